// The pieces of the class-map commands that need no network: corner-aligned upsampling (against
// its closed form), splitmix64 (against the reference stream), pixel rankings, the blur that
// leaves unselected pixels alone, and --ablate lists.
#include "core/unit/attribution.hpp"
#include "core/unit/cam_faith.hpp"
#include "core/unit/cam_forwards.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>

using namespace cnnscope;

TEST_CASE("upsampleAlignCorners keeps the corners and interpolates linearly between them") {
    const cv::Mat src = (cv::Mat_<float>(2, 3) << 0, 1, 2, 10, 11, 12);
    cv::Mat up;
    upsampleAlignCorners(src, cv::Size(5, 3), up);
    REQUIRE(up.size() == cv::Size(5, 3));
    // x = j * (3-1)/(5-1), y = i * (2-1)/(3-1): value = x + 10 y exactly (the source is affine).
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j) CHECK(up.at<float>(i, j) == doctest::Approx(j * 0.5 + 10 * i * 0.5));
}

TEST_CASE("splitmix64At follows the reference stream") {
    // Steele, Lea and Flood's splitmix64 seeded with 0: its first two outputs.
    CHECK(splitmix64At(0, 0) == 0xE220A8397B1DCDAFull);
    CHECK(splitmix64At(0, 1) == 0x6E789E6AA1B965F4ull);
}

TEST_CASE("pixel rankings put the largest values first (ties by index) and random ones are seeded and distinct") {
    const cv::Mat v = (cv::Mat_<float>(2, 3) << 1, 5, 5, 0, 7, 1);
    CHECK(topPixels(v, 3) == std::vector<int>{4, 1, 2});
    const auto a = randomPixels(100, 20, 7), b = randomPixels(100, 20, 7), c = randomPixels(100, 20, 8);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(std::set<int>(a.begin(), a.end()).size() == 20);
}

TEST_CASE("blurPixels changes only the chosen pixels") {
    const int shape[] = {1, 3, 8, 8};
    cv::Mat blob(4, shape, CV_32F);
    cv::randu(blob, -1, 1);
    const cv::Mat out = blurPixels(blob, {0, 9, 63}, 1.0);
    int changed = 0;
    for (size_t i = 0; i < blob.total(); ++i) changed += out.ptr<float>()[i] != blob.ptr<float>()[i];
    CHECK(changed == 9);  // 3 pixels x 3 planes
}

TEST_CASE("ablate lists take channels and ranges and name bad items") {
    auto ok = parseAblateList("12,3-5,4", 16);
    REQUIRE(ok);
    CHECK(*ok == std::vector<int>{3, 4, 5, 12});
    for (const char* bad : {"16", "x", "5-3", "all", ""}) {
        auto r = parseAblateList(bad, 16);
        REQUIRE_FALSE(r);
        CHECK(r.error().find("--ablate") != std::string::npos);
    }
}

TEST_CASE("occlusion patches must fit the input") {
    CHECK(occlusionProblem(cv::Size(32, 24), 24, 8).empty());
    CHECK(occlusionProblem(cv::Size(32, 24), 25, 8).find("1..24") != std::string::npos);
}

TEST_CASE("a Score-CAM map building up is the softmax over the channels scored so far") {
    // A (1, 3, 1, 2): channel c is [c+1, -(c+1)]; scores 0, ln 2, ln 3.
    const int shape[] = {1, 3, 1, 2};
    cv::Mat A(4, shape, CV_32F);
    for (int c = 0; c < 3; ++c) {
        A.ptr<float>()[2 * c] = float(c + 1);
        A.ptr<float>()[2 * c + 1] = -float(c + 1);
    }
    const std::vector<double> scores = {0.0, std::log(2.0), std::log(3.0)};
    // Two channels: weights 1/3, 2/3 -> 1/3 * 1 + 2/3 * 2 = 5/3; the negative side ReLU'd to 0.
    cv::Mat two = scoreCamFromScores(A, scores, 2);
    REQUIRE(two.size() == cv::Size(2, 1));
    CHECK(two.at<float>(0, 0) == doctest::Approx(5.0 / 3.0));
    CHECK(two.at<float>(0, 1) == 0.f);
    // All: weights 1/6, 2/6, 3/6 -> (1 + 4 + 9) / 6.
    CHECK(scoreCamFromScores(A, scores, 3).at<float>(0, 0) == doctest::Approx(14.0 / 6.0));
    CHECK(cv::countNonZero(scoreCamFromScores(A, scores, 0)) == 0);
}

TEST_CASE("an occlusion map building up has the patches done so far, 0 elsewhere") {
    const std::vector<double> scores = {10, 7, 12, 9, 0};  // the frame, then 2x2 patches row by row
    cv::Mat m = occlusionFromScores(scores, 3, 2, 2);
    CHECK(m.at<float>(0, 0) == 3.f);
    CHECK(m.at<float>(0, 1) == -2.f);
    CHECK(m.at<float>(1, 0) == 0.f);
    CHECK(m.at<float>(1, 1) == 0.f);
    m = occlusionFromScores(scores, 5, 2, 2);
    CHECK(m.at<float>(1, 0) == 1.f);
    CHECK(m.at<float>(1, 1) == 10.f);
}

TEST_CASE("the window's occlusion patch is the CLI's 32 / 16 at 224 and in proportion elsewhere") {
    int patch = 0, stride = 0;
    occlusionDefaults(cv::Size(224, 224), patch, stride);
    CHECK(patch == 32);
    CHECK(stride == 16);
    occlusionDefaults(cv::Size(640, 448), patch, stride);
    CHECK(patch == 64);
    CHECK(stride == 32);
    occlusionDefaults(cv::Size(8, 8), patch, stride);
    CHECK(patch == 2);
    CHECK(stride == 1);
    CHECK(occlusionProblem(cv::Size(8, 8), patch, stride).empty());
}
