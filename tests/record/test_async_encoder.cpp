// The encoder thread keeps memory bounded: when the sink is slow, frames are dropped and counted.
#include "record/async_encoder.hpp"
#include "../support/keras_file.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <thread>

using namespace cnnscope;

namespace {
class SlowSink : public FrameSink {
public:
    explicit SlowSink(int* finished) : m_finished(finished) {}
    Status write(const cv::Mat&, int) override {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        ++m_frames;
        return {};
    }
    Status finish() override {
        ++*m_finished;
        return {};
    }
    int frames() const override { return m_frames; }
    SinkKind kind() const override { return SinkKind::Gif; }

private:
    int m_frames = 0;
    int* m_finished;
};
}  // namespace

TEST_CASE("a slow sink makes the encoder drop frames instead of queueing them") {
    int finished = 0;
    AsyncEncoder enc(std::make_unique<SlowSink>(&finished), 2);
    const cv::Mat frame(32, 32, CV_8UC3, cv::Scalar(1, 2, 3));
    int accepted = 0;
    for (int i = 0; i < 20; ++i) {
        accepted += enc.submit(frame, 100) ? 1 : 0;
        CHECK(enc.stats().pending <= 2);
    }
    REQUIRE(enc.finish().ok());
    const EncoderStats s = enc.stats();
    CHECK(finished == 1);
    CHECK(s.written == accepted);
    CHECK(s.dropped == 20 - accepted);
    CHECK(s.dropped > 0);
}

TEST_CASE("waiting submits never drop") {
    int finished = 0;
    AsyncEncoder enc(std::make_unique<SlowSink>(&finished), 1);
    const cv::Mat frame(8, 8, CV_8UC3);
    for (int i = 0; i < 5; ++i) CHECK(enc.submit(frame, 100, true));
    REQUIRE(enc.finish().ok());
    CHECK(enc.stats().written == 5);
    CHECK(enc.stats().dropped == 0);
}

TEST_CASE("sinks by extension - PNG folders appear only when complete") {
    const std::string dir = cnnscope::test::tempDir();
    CHECK(sinkKindFor("a.GIF") == SinkKind::Gif);
    CHECK(sinkKindFor("a.mp4") == SinkKind::Mp4);
    CHECK(sinkKindFor("frames") == SinkKind::PngDir);
    const std::string out = dir + "/frames";
    {
        auto sink = openSink(out, {32, 32}, 10);
        REQUIRE(sink.ok());
        REQUIRE((*sink)->write(cv::Mat(32, 32, CV_8UC3, cv::Scalar(9, 9, 9)), 100).ok());
        CHECK_FALSE(std::filesystem::exists(out));
    }  // abandoned: nothing left
    CHECK(std::filesystem::is_empty(dir));
    auto sink = openSink(out, {32, 32}, 10);
    REQUIRE(sink.ok());
    REQUIRE((*sink)->write(cv::Mat(32, 32, CV_8UC3), 100).ok());
    REQUIRE((*sink)->finish().ok());
    CHECK(std::filesystem::exists(out + "/frame_000000.png"));
    CHECK_FALSE(openSink(out, {32, 32}, 10).ok());  // exists and is not empty
    std::filesystem::remove_all(dir);
}
