// The live pipeline's threads and hand-offs (also run under ThreadSanitizer in CI).
#include "core/base/latest.hpp"
#include "core/pipeline/pipeline.hpp"

#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include <thread>

using namespace cnnscope;

static const std::string kData = CNNSCOPE_SAMPLE_DATA;

namespace {
Model smallModel() {
    ModelOptions o;
    o.untrained = true;
    o.inputSize = {64, 48};
    auto m = Model::load(o);
    REQUIRE(m.ok());
    return std::move(m).value();
}

template <class Pred>
bool waitFor(Pred pred, int ms = 20000) {
    for (int i = 0; i < ms / 5; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}
}  // namespace

TEST_CASE("latest-wins slot: one value, overwrites counted, buffers swapped back") {
    LatestSlot<int> slot;
    uint64_t seen = 0;
    int out = 0;
    CHECK_FALSE(slot.take(out, seen));
    int v = 1;
    slot.publish(v);
    v = 2;
    slot.publish(v);  // 1 was never taken: dropped
    CHECK(slot.dropped() == 1);
    REQUIRE(slot.take(out, seen));
    CHECK(out == 2);
    CHECK_FALSE(slot.take(out, seen));
    std::thread producer([&] {
        for (int i = 0; i < 1000; ++i) {
            int x = i;
            slot.publish(x);
        }
    });
    int last = -1;
    while (last < 999) {
        if (slot.waitTake(out, seen, std::chrono::milliseconds(10))) {
            CHECK(out > last);  // never goes back in time
            last = out;
        }
    }
    producer.join();
    CHECK(slot.published() == 1002);
}

TEST_CASE("pipeline: video plays, layers switch, pause and step, sweeps compute, stop is clean") {
    Pipeline p(smallModel());
    REQUIRE(p.openSource(kData + "/vtest.avi").ok());
    p.setSpeed(8.0);
    InferenceResult r;
    uint64_t seen = 0;
    REQUIRE(waitFor([&] { return p.takeResult(r, seen); }));
    CHECK(r.layer == "block1_conv1");
    CHECK(r.act.size[1] == 64);
    CHECK(r.frame.size() == cv::Size(768, 576));

    p.setLayer("block2_conv1");
    REQUIRE(waitFor([&] { return p.takeResult(r, seen) && r.layer == "block2_conv1"; }));
    CHECK(r.act.size[1] == 128);

    p.setPaused(true);
    // Paused: the frame in flight (and the one waiting in the hand-off) may still finish, later on
    // a loaded machine; then results stop. Wait for a second without one (30 s at most).
    bool quiet = false;
    for (int i = 0; i < 30 && !quiet; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        quiet = !p.takeResult(r, seen);
        while (p.takeResult(r, seen)) {
        }
    }
    REQUIRE(quiet);
    const int64_t at = r.frameIndex;
    const uint64_t inferred = p.stats().inferences;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(p.takeResult(r, seen));  // paused: nothing new
    CHECK(p.stats().inferences == inferred);
    p.step();
    REQUIRE(waitFor([&] { return p.takeResult(r, seen); }));
    CHECK(r.frameIndex == at + 1);

    auto layers = p.computeLayers(r.frame.clone(), {"block1_conv1", "block3_conv1"});
    auto acts = layers.get();
    REQUIRE(acts.ok());
    CHECK(acts->size() == 2);
    CHECK((*acts)[1].size[1] == 256);

    p.seek(100);
    REQUIRE(waitFor([&] { return p.takeResult(r, seen) && r.frameIndex == 100; }));
    const PipelineStats s = p.stats();
    CHECK(s.inferences >= 4);
    CHECK(s.paused);
    p.stop();
}

TEST_CASE("pipeline: a video opened paused shows its first frame, then waits for a step") {
    Pipeline p(smallModel());
    p.setPaused(true);
    REQUIRE(p.openSource(kData + "/vtest.avi").ok());
    InferenceResult r;
    uint64_t seen = 0;
    REQUIRE(waitFor([&] { return p.takeResult(r, seen); }));
    CHECK(r.frameIndex == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(p.takeResult(r, seen));  // still paused: nothing after the first frame
    p.step();
    REQUIRE(waitFor([&] { return p.takeResult(r, seen); }));
    CHECK(r.frameIndex == 1);
    p.stop();
}

TEST_CASE("pipeline: a still image is computed once, a source switch keeps running") {
    Pipeline p(smallModel());
    REQUIRE(p.openSource(kData + "/baboon.jpg").ok());
    InferenceResult r;
    uint64_t seen = 0;
    REQUIRE(waitFor([&] { return p.takeResult(r, seen); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(p.stats().inferences == 1);
    CHECK_FALSE(p.openSource("/nonexistent.avi").ok());
    REQUIRE(p.openSource(kData + "/tree.avi").ok());
    REQUIRE(waitFor([&] { return p.takeResult(r, seen) && r.frame.cols == 320; }));
}

TEST_CASE("pipeline: a style stage swapped in and out while running - comparison results carry both sides") {
    // A 1x1 conv that swaps B and R: the stylised frame is the frame with its channels reversed.
    cv::dnn::Net net;
    cv::dnn::LayerParams lp;
    lp.set("kernel_size", 1);
    lp.set("num_output", 3);
    lp.set("bias_term", false);
    const int wsz[4] = {3, 3, 1, 1};
    cv::Mat w(4, wsz, CV_32F, cv::Scalar(0));
    for (int o = 0; o < 3; ++o) w.ptr<float>(o, 2 - o)[0] = 1.f;
    lp.blobs = {w};
    net.addLayerToPrev("swap", "Convolution", lp);
    ZooEntry e = defaultStyleEntry("swap.onnx");  // RGB 0..255, no mean
    auto style = std::make_shared<StyleStage>(StyleStage::fromNet(net, e, cv::Size(64, 48), "swap"));

    Pipeline p(smallModel());
    p.setLayer("block1_conv2");
    REQUIRE(p.openSource(kData + "/vtest.avi").ok());
    InferenceResult r;
    uint64_t seen = 0;
    p.setStyle(style);
    p.setCompare(true);
    REQUIRE(waitFor([&] { return p.takeResult(r, seen) && !r.gram.empty(); }));
    CHECK(r.style == "swap");
    REQUIRE(r.original.size() == r.frame.size());
    CHECK(r.originalAct.size == r.act.size);
    CHECK(r.gram.rows == 64);
    CHECK(r.originalGram.rows == 64);
    // The network saw the channel-swapped frame (through a 64x48 round trip: compare small).
    cv::Mat swapped, a, b;
    cv::cvtColor(r.original, swapped, cv::COLOR_BGR2RGB);
    cv::resize(swapped, a, {32, 24}, 0, 0, cv::INTER_AREA);
    cv::resize(r.frame, b, {32, 24}, 0, 0, cv::INTER_AREA);
    CHECK(cv::norm(a, b, cv::NORM_L1) / double(a.total() * 3) < 8.0);
    // Swapping stages and toggling while frames flow (ThreadSanitizer watches this in CI).
    for (int i = 0; i < 20; ++i) {
        p.setStyle(i % 2 ? style : nullptr);
        p.setCompare(i % 3 == 0);
        p.takeResult(r, seen);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    p.setStyle(nullptr);
    const uint64_t before = p.stats().inferences;
    REQUIRE(waitFor([&] { return p.takeResult(r, seen) && r.style.empty() && p.stats().inferences > before; }));
    CHECK(r.original.empty());
    CHECK(r.gram.empty());
    p.stop();
}
