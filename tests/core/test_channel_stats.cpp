// Per-channel statistics over frames (core/render/channel_stats): against sums written out here.
#include "core/render/channel_stats.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace cnnscope;

namespace {

// (1, C, H, W) with channel c's values from f(c, i), i the position.
template <class F>
cv::Mat maps(int C, int H, int W, F f) {
    const int sz[4] = {1, C, H, W};
    cv::Mat a(4, sz, CV_32F);
    for (int c = 0; c < C; ++c)
        for (int i = 0; i < H * W; ++i) a.ptr<float>(0, c)[i] = f(c, i);
    return a;
}

}  // namespace

TEST_CASE("channel statistics: one frame's mean, min, max and active fraction per channel") {
    // ch 0: -1, 0, 1, 2, 3, 4 (mean 1.5, 4 of 6 > 0); ch 1: all 7; ch 2: all 0
    const cv::Mat a = maps(3, 2, 3, [](int c, int i) { return c == 0 ? float(i - 1) : c == 1 ? 7.f : 0.f; });
    std::vector<ChannelFrameStats> s;
    channelFrameStats(a, s);
    REQUIRE(s.size() == 3);
    CHECK(s[0].mean == doctest::Approx(1.5));
    CHECK(s[0].min == -1.f);
    CHECK(s[0].max == 4.f);
    CHECK(s[0].active == doctest::Approx(4.0 / 6.0));
    CHECK(s[1].mean == doctest::Approx(7));
    CHECK(s[1].active == 1.f);
    CHECK(s[2].active == 0.f);
    channelFrameStats(cv::Mat(), s);
    CHECK(s.empty());
}

TEST_CASE("channel history: means, variation over time, constant channels, order and the series window") {
    ChannelHistory h(2);  // the series keeps the last 2 frames
    h.reset("layer", 3);
    // frame k: ch 0 is k + position (varies), ch 1 is 5 everywhere every frame (constant 5),
    // ch 2 is constant within each frame but 2k (not constant over time).
    std::vector<ChannelFrameStats> s;
    for (int k = 0; k < 3; ++k) {
        channelFrameStats(maps(3, 2, 2, [k](int c, int i) { return c == 0 ? float(k + i) : c == 1 ? 5.f : float(2 * k); }), s);
        h.add(uint64_t(k), k, s);
    }
    h.add(2, 2, s);  // the same frame again is not counted twice
    CHECK(h.frames() == 3);
    const ChannelSummary c0 = h.summary(0);
    // per-frame means 1.5, 2.5, 3.5: mean 2.5, population sd sqrt(2/3)
    CHECK(c0.mean == doctest::Approx(2.5));
    CHECK(c0.variation == doctest::Approx(std::sqrt(2.0 / 3.0)));
    CHECK(c0.min == 0.f);
    CHECK(c0.max == 5.f);
    CHECK(c0.active == doctest::Approx((3.0 / 4 + 1 + 1) / 3));
    CHECK_FALSE(c0.constant);
    CHECK(h.summary(1).constant);
    CHECK(h.summary(1).min == 5.f);
    CHECK_FALSE(h.summary(2).constant);  // constant in each frame, not over time
    CHECK(h.constantChannels() == std::vector<int>{1});
    // means: ch 1 = 5, ch 0 = 2.5, ch 2 = 2
    CHECK(h.order(ChannelSort::Mean, false) == std::vector<int>{1, 0, 2});
    CHECK(h.order(ChannelSort::Mean, true) == std::vector<int>{0, 2});
    CHECK(h.order(ChannelSort::Index, false) == std::vector<int>{0, 1, 2});
    CHECK(h.order(ChannelSort::Variation, false) == std::vector<int>{2, 0, 1});  // sd 1.63, 0.816, 0
    CHECK(h.series(0) == std::vector<float>{2.5f, 3.5f});  // the last 2 frames
    CHECK(h.seriesFrames() == std::vector<int64_t>{1, 2});
    // Another key starts over; the same key and count does not.
    h.reset("layer", 3);
    CHECK(h.frames() == 3);
    h.reset("other", 3);
    CHECK(h.frames() == 0);
    CHECK(h.constantChannels().empty());
    ChannelSort sort{};
    CHECK(parseChannelSort("active", sort));
    CHECK(sort == ChannelSort::Active);
    CHECK_FALSE(parseChannelSort("bogus", sort));
}
