// Normalisation modes and mosaics.
#include "core/render/mosaic.hpp"
#include "core/render/normalize.hpp"

#include <doctest/doctest.h>

using namespace cnnscope;

namespace {
cv::Mat activation(int C, int H, int W) {
    const int sz[4] = {1, C, H, W};
    cv::Mat a(4, sz, CV_32F);
    for (int c = 0; c < C; ++c)
        for (int i = 0; i < H * W; ++i) a.ptr<float>(0, c)[i] = float(c * 100 + i);
    return a;
}
}  // namespace

TEST_CASE("normalisation modes produce the documented ranges") {
    const cv::Mat a = activation(3, 4, 5);  // channel c holds c*100 .. c*100+19
    std::vector<Range> r;
    std::vector<float> scratch;
    channelRanges(a, *parseNormalization("channel"), r, scratch);
    REQUIRE(r.size() == 3);
    CHECK(r[2].lo == 200.f);
    CHECK(r[2].hi == 219.f);
    channelRanges(a, *parseNormalization("layer"), r, scratch);
    CHECK(r[0].lo == 0.f);
    CHECK(r[0].hi == 219.f);
    CHECK(r[1].hi == 219.f);
    channelRanges(a, *parseNormalization("fixed:-1:5"), r, scratch);
    CHECK(r[1].lo == -1.f);
    CHECK(r[1].hi == 5.f);
    channelRanges(a, *parseNormalization("percentile:90"), r, scratch);
    CHECK(r[0].lo == doctest::Approx(2.f));   // 10th percentile of 0..19
    CHECK(r[0].hi == doctest::Approx(17.f));  // 90th
    CHECK(normalizeValue(5.f, {0.f, 10.f}, 1.f) == doctest::Approx(0.5f));
    CHECK(normalizeValue(5.f, {0.f, 10.f}, 2.f) == doctest::Approx(0.25f));
    CHECK(normalizeValue(-3.f, {0.f, 10.f}, 1.f) == 0.f);
    CHECK(normalizeValue(3.f, {1.f, 1.f}, 1.f) == 0.f);  // constant channel
    CHECK_FALSE(parseNormalization("fixed:5:1").ok());
    CHECK_FALSE(parseNormalization("percentile:20").ok());
    CHECK_FALSE(parseNormalization("minmax").ok());
    CHECK_FALSE(parseNormalization("channel", 0.f).ok());
}

TEST_CASE("mosaic geometry / page / labels off / and tiles equal the single-channel colouring") {
    const cv::Mat a = activation(70, 14, 14);
    MosaicOptions o;
    o.labels = false;
    o.gutter = 2;
    cv::Mat out;
    MosaicScratch s;
    renderMosaic(a, o, out, s);
    const int tile = 14 * autoTileScale(14);  // 14 * 8 = 112
    CHECK(tile == 112);
    CHECK(out.cols == 8 * tile + 9 * 2);
    CHECK(out.rows == 8 * tile + 9 * 2);
    // Tile (row 1, col 2) is channel 10: its top-left pixel is the channel's minimum -> LUT entry 0.
    const int x0 = 2 + 2 * (tile + 2), y0 = 2 + 1 * (tile + 2);
    CHECK(out.at<cv::Vec3b>(y0, x0) == lutBgr8(Colormap::Hot, 0));
    CHECK(out.at<cv::Vec3b>(y0 + tile - 1, x0 + tile - 1) == lutBgr8(Colormap::Hot, 255));
    CHECK(pageCount(70, o) == 2);
    o.page = 1;  // channels 64..69, then empty tiles
    renderMosaic(a, o, out, s);
    CHECK(out.at<cv::Vec3b>(2 + 6, 2 + 6) == lutBgr8(Colormap::Hot, 0));
    CHECK(out.at<cv::Vec3b>(2 + 6, 2 + 6 * (tile + 2) + 6) == cv::Vec3b(48, 48, 48));
    const MosaicOptions all = allChannels(70, o);
    CHECK(all.cols == 9);
    CHECK(all.rows == 8);
    cv::Mat single;
    renderChannel(a, 3, Normalization{}, Colormap::Hot, {280, 140}, single, s);
    CHECK(single.size() == cv::Size(280, 140));
    CHECK(single.at<cv::Vec3b>(0, 0) == cv::Vec3b(0, 0, 0));          // letterbox
    CHECK(single.at<cv::Vec3b>(0, 70) == lutBgr8(Colormap::Hot, 0));  // first map pixel
}

TEST_CASE("captions add a strip whose height does not depend on the text (recordings keep one frame size)") {
    const cv::Mat img(150, 200, CV_8UC3, cv::Scalar(10, 20, 30));
    const cv::Mat a = withCaption(img, "frame 9");
    const cv::Mat b = withCaption(img, "VGG19 [untrained] | block1_conv1 | grid, channels 0-63 of 64 | frame 10 (1.00 s)");
    CHECK(a.size() == b.size());
    CHECK(a.rows > img.rows);
    CHECK(cv::norm(a(cv::Rect(0, 0, 200, 150)), img, cv::NORM_INF) == 0.0);
    const cv::Mat strip = b(cv::Rect(0, 150, 200, b.rows - 150));
    CHECK(cv::countNonZero(strip.reshape(1)) > 20);  // text drawn
}
