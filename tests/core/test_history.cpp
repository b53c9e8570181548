// The frame history: frames equal the decoder's, the memory budget holds, oldest evicted first,
// lookups by index and time, one writer and a reader at once.
#include "core/pipeline/history.hpp"
#include "core/pipeline/source.hpp"

#include <doctest/doctest.h>
#include <opencv2/videoio.hpp>

#include <atomic>
#include <thread>

using namespace cnnscope;

static const std::string kVtest = std::string(CNNSCOPE_SAMPLE_DATA) + "/vtest.avi";

TEST_CASE("history of vtest.avi: kept frames equal an independent decode, budget never exceeded, oldest evicted first") {
    // Independent decode: OpenCV's VideoCapture directly, not cnnscope's FrameSource.
    cv::VideoCapture cap(kVtest);
    REQUIRE(cap.isOpened());
    std::vector<cv::Mat> reference;
    cv::Mat f;
    for (int i = 0; i < 60 && cap.read(f); ++i) reference.push_back(f.clone());
    REQUIRE(reference.size() == 60);

    auto src = FrameSource::open(kVtest);
    REQUIRE(src);
    const size_t frameBytes = FrameHistory::frameBytes(reference[0].size());
    const size_t budget = 20 * frameBytes + frameBytes / 2;  // room for 20 frames, not 21
    FrameHistory h(budget);
    const double fps = (*src)->fps();
    REQUIRE(fps > 0);
    cv::Mat frame;
    for (int i = 0; i < 60; ++i) {
        REQUIRE((*src)->read(frame) == ReadStatus::Ok);
        REQUIRE(h.push(frame, i, i / fps));
        const HistoryStats s = h.stats();
        CHECK(s.bytes <= budget);
        CHECK(s.frames == size_t(std::min(i + 1, 20)));
        CHECK(s.lastIndex == i);
        CHECK(s.firstIndex == std::max(0, i - 19));  // the oldest went first
    }
    frame.setTo(0);  // the history holds its own copies
    for (size_t k = 0; k < h.size(); ++k) {
        const auto kept = h.at(k);
        REQUIRE(kept);
        CHECK(kept->index == int64_t(40 + k));
        CHECK(cv::norm(kept->frame, reference[size_t(kept->index)], cv::NORM_INF) == 0);
    }
    CHECK(!h.byIndex(39));
    REQUIRE(h.byIndex(45));
    CHECK(cv::norm(h.byIndex(45)->frame, reference[45], cv::NORM_INF) == 0);
    // By time: the newest frame at or before t; before the first kept frame, the first.
    CHECK(h.byTime(45.5 / fps)->index == 45);
    CHECK(h.byTime(45.0 / fps)->index == 45);
    CHECK(h.byTime(0.0)->index == 40);
    CHECK(h.byTime(1e9)->index == 59);
    CHECK(h.range(50, 54).size() == 5);
    CHECK(h.stats().evicted == 40);

    // Memory per second for this footage: the budget holds floor(budget / frame) frames.
    FrameHistory big(16u << 20);
    REQUIRE((*src)->rewind());
    for (int i = 0; i < 30; ++i) {
        REQUIRE((*src)->read(frame) == ReadStatus::Ok);
        big.push(frame, i, i / fps);
    }
    CHECK(big.size() == (16u << 20) / frameBytes);
    CHECK(FrameHistory::secondsFor(16u << 20, frame.size(), fps) == doctest::Approx(double(big.size()) / fps));
    CHECK(FrameHistory::bytesPerSecond(frame.size(), fps) == doctest::Approx(double(frame.total() * frame.elemSize()) * fps));
}

TEST_CASE("history: a shrinking budget evicts, a frame larger than the budget is refused, a seek back starts over") {
    const cv::Mat a(10, 10, CV_8UC3, cv::Scalar(1, 2, 3));
    FrameHistory h(10 * a.total() * a.elemSize());
    for (int i = 0; i < 10; ++i) REQUIRE(h.push(a, i, i * 0.1));
    CHECK(h.size() == 10);
    h.setBudget(4 * a.total() * a.elemSize());
    CHECK(h.size() == 4);
    CHECK(h.at(0)->index == 6);
    CHECK(!h.push(cv::Mat(100, 100, CV_8UC3), 10, 1.0));
    CHECK(h.stats().refused == 1);
    CHECK(h.size() == 4);
    REQUIRE(h.push(a, 3, 0.3));  // looped back
    CHECK(h.size() == 1);
    CHECK(h.at(0)->index == 3);
    const auto held = h.at(0);
    h.clear();
    CHECK(h.size() == 0);
    CHECK(held->frame.at<cv::Vec3b>(5, 5) == cv::Vec3b(1, 2, 3));  // a reader's frame outlives eviction
}

TEST_CASE("history: one writer and a reading main thread see whole, consistent frames") {
    const cv::Size size(64, 48);
    FrameHistory h(30 * FrameHistory::frameBytes(size));
    std::atomic<bool> done{false};
    std::thread writer([&] {
        cv::Mat f(size, CV_8UC3);
        for (int i = 0; i < 2000; ++i) {
            f.setTo(cv::Scalar::all(i % 256));  // the writer reuses its buffer, as a decoder does
            h.push(f, i, i / 30.0);
        }
        done = true;
    });
    int64_t lastSeen = -1, checks = 0;
    while (!done || checks == 0) {
        const HistoryStats s = h.stats();
        CHECK(s.bytes <= s.budget);
        if (auto f = h.byIndex(s.lastIndex)) {
            CHECK(f->frame.at<cv::Vec3b>(47, 63)[0] == f->index % 256);
            CHECK(f->frame.at<cv::Vec3b>(0, 0)[2] == f->index % 256);
            CHECK(f->index >= lastSeen);
            lastSeen = f->index;
            ++checks;
        }
        if (auto f = h.at(0)) CHECK(f->frame.at<cv::Vec3b>(20, 20)[1] == f->index % 256);
    }
    writer.join();
    CHECK(h.size() == 30);
    CHECK(h.at(29)->index == 1999);
}
