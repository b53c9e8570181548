// The forward's copy-out: copyFinite copies exactly and finds every NaN or infinity, wherever it
// sits (first value, chunk boundaries, last value), with the same error as checkFinite.
#include "core/base/finite.hpp"

#include <doctest/doctest.h>

#include <limits>

using namespace cnnscope;

TEST_CASE("copyFinite: an exact copy of finite data, dst's memory reused") {
    const int sz[4] = {1, 64, 113, 117};  // 846,144 values: many chunks, a ragged last one
    cv::Mat src(4, sz, CV_32F), dst;
    cv::randn(src, 0, 1e30);  // large but finite
    REQUIRE(copyFinite(src, dst, "x"));
    CHECK(dst.size == src.size);
    CHECK(dst.type() == CV_32F);
    CHECK(cv::norm(src, dst, cv::NORM_INF) == 0);
    const float* before = dst.ptr<float>();
    src.at<float>(0) = 7.f;
    REQUIRE(copyFinite(src, dst, "x"));
    CHECK(dst.ptr<float>() == before);
    CHECK(dst.ptr<float>()[0] == 7.f);
}

TEST_CASE("copyFinite: finds a NaN or an infinity at any position, with checkFinite's message") {
    const int sz[4] = {1, 8, 300, 301};
    cv::Mat src(4, sz, CV_32F);
    cv::randu(src, -1, 1);
    const size_t n = src.total();
    const float bads[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity()};
    for (size_t pos : {size_t(0), size_t(65535), size_t(65536), n / 2, n - 1}) {
        for (float bad : bads) {
            cv::Mat s = src.clone(), dst;
            s.ptr<float>()[pos] = bad;
            const Status st = copyFinite(s, dst, "layer 'L'");
            REQUIRE_FALSE(st);
            CHECK(st.error() == checkFinite(s, "layer 'L'").error());
            CHECK(st.error().find("layer 'L' came out non-finite") != std::string::npos);
        }
    }
}

TEST_CASE("copyFinite: non-float and non-continuous input are copied and checked too") {
    cv::Mat bytes(10, 10, CV_8U, cv::Scalar(3)), out;
    REQUIRE(copyFinite(bytes, out, "x"));
    CHECK(cv::norm(bytes, out, cv::NORM_INF) == 0);
    cv::Mat big(20, 20, CV_32F, cv::Scalar(1)), roi = big(cv::Rect(2, 2, 5, 5)), out2;
    roi.at<float>(1, 1) = std::numeric_limits<float>::quiet_NaN();
    CHECK_FALSE(copyFinite(roi, out2, "x"));
}
