// The oneDNN executor against OpenCV dnn on the same small net (a conv/ReLU/pool chain with odd
// sizes): forward per layer and the backward in each ReLU mode, f32 to 1e-4 and bf16 within its
// stated bounds; --conv opencv still runs OpenCV's path.
#include "core/model/conv_mode.hpp"
#include "core/model/model.hpp"
#include "core/model/precision.hpp"
#include "core/unit/backward.hpp"
#include "../support/keras_file.hpp"

#include <doctest/doctest.h>

#include <random>
#include <thread>

using namespace cnnscope;

namespace {

// ||got - want|| / ||want||: the share of the picture's energy that differs.
double relL2(const cv::Mat& got, const cv::Mat& want) { return cv::norm(got, want, cv::NORM_L2) / std::max(cv::norm(want, cv::NORM_L2), 1e-30); }

double errOfMax(const cv::Mat& got, const cv::Mat& want) {
    double m = 0;
    cv::minMaxIdx(cv::abs(want), nullptr, &m);
    return cv::norm(got, want, cv::NORM_INF) / std::max(m, 1e-30);
}

Model tinyModel() {
    std::mt19937 rng(3);
    SeqLayer pool;
    pool.name = "block1_pool";
    pool.kind = SeqLayer::Kind::MaxPool;
    pool.kh = pool.kw = 2;
    Model m = Model::fromSequential({test::seqConv("block1_conv1", 3, 16, rng, -1.f, 1.f),
                                     test::seqConv("block1_conv2", 16, 32, rng, -1.f, 1.f), pool,
                                     test::seqConv("block2_conv1", 32, 48, rng, -1.f, 1.f)},
                                    "tiny", "test");
    REQUIRE(m.setInputSize(cv::Size(37, 29)));
    return m;
}

cv::Mat frame() {
    cv::Mat f(29, 37, CV_8UC3);
    cv::RNG rng(7);  // the same frame for every run
    rng.fill(f, cv::RNG::UNIFORM, 0, 255);
    return f;
}

struct Run {
    std::vector<cv::Mat> maps;
    std::vector<cv::Mat> grads;  // guided, deconv, grad from channel 5 of block2_conv1
    std::string engine, modelEngine;
};

Run runAll(ConvMode mode, Precision p) {
    setConvMode(mode);
    setPrecision(p);
    Model m = tinyModel();
    Run r;
    const std::vector<std::string> layers = {"block1_conv1", "block1_conv2", "block1_pool", "block2_conv1"};
    REQUIRE(m.forward(frame(), layers, r.maps));
    r.modelEngine = m.engine();
    auto chain = BackwardChain::build(m, "block2_conv1");
    REQUIRE_MESSAGE(chain, chain.error());
    const cv::Mat blob = m.preprocessFrame(frame()).clone();
    for (ReluMode rm : {ReluMode::Guided, ReluMode::Deconv, ReluMode::Grad}) {
        cv::Mat g;
        REQUIRE(backProject(*chain, blob, "block2_conv1", 5, rm, g));
        r.grads.push_back(g.clone());
    }
    r.engine = chain->engine();
    return r;
}

}  // namespace

TEST_CASE("executor: f32 equals OpenCV dnn, bf16 within its bounds, forward and backward") {
    const Run cv = runAll(ConvMode::OpenCV, Precision::F32);
    CHECK(cv.engine.rfind("OpenCV dnn", 0) == 0);
    CHECK(cv.modelEngine.rfind("OpenCV dnn", 0) == 0);
    if (!oneDnnBuilt()) return;
    const Run f32 = runAll(ConvMode::Auto, Precision::F32);
    CHECK(f32.engine == "oneDNN f32");
    CHECK(f32.modelEngine == "oneDNN executor, f32");
    for (size_t i = 0; i < cv.maps.size(); ++i) CHECK(errOfMax(f32.maps[i], cv.maps[i]) < 1e-4);
    for (size_t i = 0; i < cv.grads.size(); ++i) CHECK(errOfMax(f32.grads[i], cv.grads[i]) < 1e-4);
    const Run bf = runAll(ConvMode::Auto, Precision::BF16);
    if (bf16IsaOnThisCpu().empty()) {
        CHECK(bf.modelEngine.find("runs f32") != std::string::npos);
        return;
    }
    CHECK(bf.modelEngine == "oneDNN executor, bf16");
    for (size_t i = 0; i < cv.maps.size(); ++i) {
        const double e = errOfMax(bf.maps[i], cv.maps[i]);
        CHECK(e < 3e-2);
        CHECK(e > 1e-6);  // really bf16
    }
    // bf16 moves a few ReLU masks and max-pool winners (values within rounding of 0 or of each
    // other), so single pixels of the back-projection can differ by a tenth of its largest value
    // (measured 0.09-0.15 here) while the picture as a whole stays close (measured L2 below).
    for (size_t i = 0; i < cv.grads.size(); ++i) {
        MESSAGE("bf16 grad ", i, ": err of max ", errOfMax(bf.grads[i], cv.grads[i]), ", rel L2 ", relL2(bf.grads[i], cv.grads[i]));
        CHECK(errOfMax(bf.grads[i], cv.grads[i]) < 0.3);
        CHECK(relL2(bf.grads[i], cv.grads[i]) < 0.1);
    }
    setConvMode(ConvMode::Auto);
    setPrecision(Precision::F32);
}

// oneDNN's library-managed scratchpad is per thread: a model planned on one thread (the window's
// inference thread, gone by shutdown) and then run on another must plan again there, not write
// through the second thread's scratchpad (the window crashed so answering a request at exit).
TEST_CASE("executor: a model first run on a thread that has ended runs on another one") {
    if (!oneDnnBuilt()) return;
    setConvMode(ConvMode::Auto);
    setPrecision(Precision::F32);
    Model m = tinyModel();
    const std::vector<std::string> layers = {"block1_conv1", "block1_conv2", "block1_pool", "block2_conv1"};
    std::vector<cv::Mat> onThread, here;
    bool ok = false;
    std::thread([&] { ok = bool(m.forward(frame(), layers, onThread)); }).join();
    REQUIRE(ok);
    REQUIRE(m.forward(frame(), layers, here));
    CHECK(m.engine() == "oneDNN executor, f32");
    for (size_t i = 0; i < layers.size(); ++i) CHECK(cv::norm(here[i], onThread[i], cv::NORM_INF) == 0);
    // and back onto yet another thread, the backward with it
    auto chain = BackwardChain::build(m, "block2_conv1");
    REQUIRE_MESSAGE(chain, chain.error());
    const cv::Mat blob = m.preprocessFrame(frame()).clone();
    cv::Mat g1, g2;
    REQUIRE(backProject(*chain, blob, "block2_conv1", 5, ReluMode::Guided, g1));
    std::thread([&] { ok = bool(backProject(*chain, blob, "block2_conv1", 5, ReluMode::Guided, g2)); }).join();
    REQUIRE(ok);
    CHECK(cv::norm(g1, g2, cv::NORM_INF) == 0);
}

#include "core/model/dense_backward.hpp"

TEST_CASE("dense backward: g W over the live rows equals the full product, zero rows skipped") {
    std::mt19937 rng(11);
    std::normal_distribution<float> n(0.f, 1.f);
    for (const auto [out, in] : {std::pair{1, 1}, std::pair{7, 1031}, std::pair{300, 2500}}) {
        cv::Mat W(out, in, CV_32F), g(1, out, CV_32F);
        for (int i = 0; i < out; ++i) {
            for (int j = 0; j < in; ++j) W.at<float>(i, j) = n(rng);
            g.at<float>(0, i) = i % 3 == 1 ? 0.f : n(rng);  // a third dead, as behind a ReLU
        }
        cv::Mat want = g * W, got(1, in, CV_32F, cv::Scalar(7.f));  // got starts as garbage: overwritten
        denseBackwardData(g.ptr<float>(), out, W.ptr<float>(), in, got.ptr<float>());
        CHECK(errOfMax(got, want) < 1e-5);
    }
    // every gradient zero: dx is zero, not left as it was
    cv::Mat W = cv::Mat::ones(4, 9, CV_32F), g = cv::Mat::zeros(1, 4, CV_32F), got(1, 9, CV_32F, cv::Scalar(3.f));
    denseBackwardData(g.ptr<float>(), 4, W.ptr<float>(), 9, got.ptr<float>());
    CHECK(cv::countNonZero(got) == 0);
}
