// Top-k accumulator: entries against a brute-force ranking of per-frame peaks, thumbnails
// against crops cut independently, resets, sequence numbers, sheets, and concurrent readers.
#include "core/unit/receptive_field.hpp"
#include "core/unit/topk.hpp"

#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

using namespace cnnscope;

namespace {

LayerInfo testLayer() {
    LayerInfo l;
    l.name = "block2_conv1";
    l.receptiveField = 10;
    l.stride = 2;
    l.rfOffset = -4;
    return l;
}

cv::Mat randomAct(cv::RNG& rng, int C, int H, int W) {
    const int sz[4] = {1, C, H, W};
    cv::Mat act(4, sz, CV_32F);
    rng.fill(act, cv::RNG::UNIFORM, 0.f, 100.f);
    return act;
}

cv::Mat randomFrame(cv::RNG& rng, cv::Size s) {
    cv::Mat f(s, CV_8UC3);
    rng.fill(f, cv::RNG::UNIFORM, 0, 256);
    return f;
}

}  // namespace

TEST_CASE("top-k: entries are the k largest per-frame peaks, sorted, with exact crops") {
    cv::RNG rng(7);
    const int C = 5, H = 12, W = 16, frames = 30;
    const cv::Size input(32, 24), frameSize(80, 60);
    TopKOptions o;
    o.k = 4;
    o.thumbSide = 24;
    TopKAccumulator acc(o);
    const LayerInfo l = testLayer();
    std::vector<cv::Mat> acts, imgs;
    for (int f = 0; f < frames; ++f) {
        acts.push_back(randomAct(rng, C, H, W));
        imgs.push_back(randomFrame(rng, frameSize));
        acc.update(acts.back(), imgs.back(), l, input, f, f * 0.1);
    }
    const TopKSnapshot s = acc.snapshot();
    CHECK(s.framesSeen == frames);
    CHECK(s.layer == l.name);
    REQUIRE(int(s.channels.size()) == C);
    for (int c = 0; c < C; ++c) {
        std::vector<std::pair<float, int>> peaks;  // brute force: each frame's peak
        for (int f = 0; f < frames; ++f) {
            double mx;
            cv::minMaxLoc(cv::Mat(H, W, CV_32F, acts[size_t(f)].ptr<float>(0, c)), nullptr, &mx);
            peaks.push_back({float(mx), f});
        }
        std::stable_sort(peaks.begin(), peaks.end(), [](auto a, auto b) { return a.first > b.first; });
        const auto& e = s.channels[size_t(c)];
        REQUIRE(e.size() == size_t(o.k));
        for (int r = 0; r < o.k; ++r) {
            CAPTURE(c);
            CAPTURE(r);
            const TopKEntry& x = e[size_t(r)];
            CHECK(x.value == peaks[size_t(r)].first);
            CHECK(x.frame == peaks[size_t(r)].second);
            CHECK(x.seconds == doctest::Approx(x.frame * 0.1));
            CHECK(acts[size_t(x.frame)].ptr<float>(0, c)[x.pos.y * W + x.pos.x] == x.value);
            // The crop, cut here with plain loops: frame pixel or grey padding, then resized.
            const cv::Rect field = receptiveField(l, x.pos.y, x.pos.x, input, frameSize).frame;
            CHECK(x.field == field);
            cv::Mat crop(field.size(), CV_8UC3);
            for (int yy = 0; yy < field.height; ++yy)
                for (int xx = 0; xx < field.width; ++xx) {
                    const cv::Point p(field.x + xx, field.y + yy);
                    const bool in = p.x >= 0 && p.y >= 0 && p.x < frameSize.width && p.y < frameSize.height;
                    crop.at<cv::Vec3b>(yy, xx) = in ? imgs[size_t(x.frame)].at<cv::Vec3b>(p) : cv::Vec3b(128, 128, 128);
                }
            cv::Mat want;
            cv::resize(crop, want, cv::Size(o.thumbSide, o.thumbSide), 0, 0, crop.cols > o.thumbSide ? cv::INTER_AREA : cv::INTER_LINEAR);
            REQUIRE(x.thumb.size() == want.size());
            CHECK(cv::norm(x.thumb, want, cv::NORM_INF) <= 1);  // area averages in double vs INTER_AREA's float
        }
    }
}

TEST_CASE("top-k: ties keep the earlier frame, reset and a new layer start over, sequence moves") {
    TopKOptions o;
    o.k = 2;
    TopKAccumulator acc(o);
    LayerInfo l = testLayer();
    const int sz[4] = {1, 1, 2, 2};
    cv::Mat act(4, sz, CV_32F, cv::Scalar(3.f));
    cv::Mat frame(40, 40, CV_8UC3, cv::Scalar(1, 2, 3));
    CHECK(acc.sequence() == 0);
    CHECK(acc.update(act, frame, l, {8, 8}, 0, 0) == 1);
    CHECK(acc.update(act, frame, l, {8, 8}, 1, 0) == 1);
    const uint64_t seq = acc.sequence();
    CHECK(acc.update(act, frame, l, {8, 8}, 2, 0) == 0);  // equal to the k-th: not better
    CHECK(acc.sequence() == seq);
    auto e = acc.channel(0);
    REQUIRE(e.size() == 2);
    CHECK(e[0].frame == 0);
    CHECK(e[1].frame == 1);
    CHECK(e[0].pos == cv::Point(0, 0));  // first position in scan order
    act.ptr<float>(0, 0)[3] = 4.f;
    CHECK(acc.update(act, frame, l, {8, 8}, 3, 0) == 1);
    e = acc.channel(0);
    CHECK(e[0].frame == 3);
    CHECK(e[0].pos == cv::Point(1, 1));
    CHECK(e[1].frame == 0);
    acc.reset();
    CHECK(acc.channel(0).empty());
    CHECK(acc.sequence() > seq);
    CHECK(acc.update(act, frame, l, {8, 8}, 4, 0) == 1);
    l.name = "other";
    const int sz2[4] = {1, 3, 2, 2};
    cv::Mat act3(4, sz2, CV_32F, cv::Scalar(1.f));
    CHECK(acc.update(act3, frame, l, {8, 8}, 5, 0) == 3);
    const TopKSnapshot s = acc.snapshot();
    CHECK(s.layer == "other");
    CHECK(s.channels.size() == 3);
    CHECK(s.framesSeen == 1);
    CHECK(acc.channel(7).empty());
}

TEST_CASE("top-k: area thumbnails from the integral image equal INTER_AREA of the padded crop") {
    cv::RNG rng(5);
    const cv::Mat frame = randomFrame(rng, {157, 93});
    cv::Mat sum;
    cv::integral(frame, sum, CV_64F);
    const cv::Scalar pad(128, 128, 128);
    int exact = 0, n = 0;
    for (const cv::Rect field : {cv::Rect(10, 5, 64, 64), cv::Rect(-30, -20, 200, 150), cv::Rect(100, 40, 97, 71),
                                 cv::Rect(3, 7, 131, 45), cv::Rect(-50, 60, 70, 70)}) {
        const cv::Mat a = areaThumbnail(sum, field, 32, pad), b = cutThumbnail(frame, field, 32, pad);
        CAPTURE(field);
        CHECK(cv::norm(a, b, cv::NORM_INF) <= 1);
        exact += cv::countNonZero(cv::Mat(a != b).reshape(1)) == 0;
        ++n;
    }
    CHECK(exact >= 1);  // the integer-ratio and equal-size cases agree bit for bit
}

TEST_CASE("top-k: a field leaving the frame is padded grey; gray frames work") {
    TopKOptions o;
    o.k = 1;
    o.thumbSide = 16;
    TopKAccumulator acc(o);
    LayerInfo l = testLayer();
    const int sz[4] = {1, 1, 4, 4};
    cv::Mat act(4, sz, CV_32F, cv::Scalar(0.f));
    act.ptr<float>(0, 0)[0] = 1.f;  // corner: field (-4,-4) to (6,6) in the blob
    cv::Mat gray(16, 16, CV_8UC1, cv::Scalar(10));
    acc.update(act, gray, l, {16, 16}, 0, 0);
    const auto e = acc.channel(0);
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == cv::Rect(-4, -4, 10, 10));
    // Thumbnail 16 from a 10x10 crop: top-left is padding, bottom-right the frame.
    CHECK(e[0].thumb.at<cv::Vec3b>(0, 0) == cv::Vec3b(128, 128, 128));
    CHECK(e[0].thumb.at<cv::Vec3b>(15, 15) == cv::Vec3b(10, 10, 10));
}

TEST_CASE("top-k: budget, sheet layout holds the thumbnails pixel for pixel, index size bounded") {
    TopKOptions o;
    CHECK(TopKAccumulator::budgetBytes(512, o) == size_t(512) * 9 * 64 * 64 * 3);
    cv::RNG rng(3);
    std::vector<TopKEntry> entries(7);
    for (size_t i = 0; i < entries.size(); ++i) {
        entries[i].value = float(10 - int(i));
        entries[i].frame = int64_t(i);
        entries[i].thumb = randomFrame(rng, {64, 64});
    }
    const cv::Mat sheet = renderTopKSheet(entries, 9, 64, "test");
    const SheetLayout l = sheetLayout(9, 64);
    CHECK(l.cols == 3);
    CHECK(l.rows == 3);
    CHECK(sheet.size() == l.size);
    for (int r = 0; r < 7; ++r) CHECK(cv::norm(sheet(l.thumbRect(r, 64)), entries[size_t(r)].thumb, cv::NORM_INF) == 0);
    TopKSnapshot s;
    s.k = 9;
    s.thumbSide = 64;
    s.channels.assign(512, entries);
    const cv::Mat index = renderTopKIndex(s, "index", 1800);
    CHECK(index.cols <= 1800);
    CHECK(index.rows > 0);
}

TEST_CASE("top-k: snapshots while another thread updates") {
    TopKAccumulator acc;
    const LayerInfo l = testLayer();
    cv::RNG rng(11);
    std::vector<cv::Mat> acts;
    for (int i = 0; i < 20; ++i) acts.push_back(randomAct(rng, 8, 10, 10));
    const cv::Mat frame = randomFrame(rng, {64, 48});
    std::atomic<bool> done{false};
    std::thread producer([&] {
        for (int i = 0; i < 200; ++i) {
            acc.update(acts[size_t(i % 20)], frame, l, {20, 20}, i, 0);
            if (i == 100) acc.reset();
        }
        done = true;
    });
    uint64_t last = 0;
    while (!done) {
        const TopKSnapshot s = acc.snapshot();
        CHECK(s.sequence >= last);
        last = s.sequence;
        for (const auto& ch : s.channels)
            for (size_t r = 1; r < ch.size(); ++r) CHECK(ch[r - 1].value >= ch[r].value);
    }
    producer.join();
    CHECK(acc.snapshot().framesSeen == 99);
}
