// The oneDNN convolution layer against OpenCV's own, layer by layer, per algorithm: a full VGG19
// written as a Keras .h5 file (He-initialised) and one with large-magnitude weights, at 224x224
// and at an odd size; activations oneDNN fuses differently; the cases that stay on OpenCV.
#include "core/model/conv_mode.hpp"
#include "core/model/model.hpp"
#include "../support/keras_file.hpp"

#include <doctest/doctest.h>

#include <opencv2/dnn/shape_utils.hpp>

#include <filesystem>

using namespace cnnscope;
using namespace cnnscope::test;

namespace {

// Puts the mode back when a test ends, whatever happens.
struct ModeGuard {
    ConvMode saved = convMode();
    ~ModeGuard() { setConvMode(saved); }
};

cv::Mat randomImage(cv::Size size, uint64_t seed) {
    cv::Mat img(size, CV_8UC3);
    cv::RNG rng(seed);
    rng.fill(img, cv::RNG::UNIFORM, 0, 256);
    return img;
}

// max |a - b| / max |b|, the measure the fidelity tests use.
double relError(const cv::Mat& a, const cv::Mat& b) {
    REQUIRE(a.total() == b.total());
    double maxDiff = cv::norm(a.reshape(1, 1), b.reshape(1, 1), cv::NORM_INF);
    double maxRef = cv::norm(b.reshape(1, 1), cv::NORM_INF);
    return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

std::vector<std::string> convLayers(const Model& m) {
    std::vector<std::string> names;
    for (const auto& l : m.layers())
        if (l.type == "Conv2D" || l.type == "Convolution") names.push_back(l.name);
    return names;
}

// Every conv layer's output with `mode`, against --conv opencv; returns the worst error.
double worstError(Model& model, const cv::Mat& img, ConvMode mode, const std::vector<std::string>& layers) {
    std::vector<cv::Mat> ref, got;
    setConvMode(ConvMode::OpenCV);
    REQUIRE(model.forward(img, layers, ref).ok());
    setConvMode(mode);
    REQUIRE(model.forward(img, layers, got).ok());
    double worst = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
        CAPTURE(layers[i]);
        worst = std::max(worst, relError(got[i], ref[i]));
    }
    return worst;
}

const ConvLayerReport* findReport(const ConvReport& r, const std::string& name) {
    for (const auto& l : r.layers)
        if (l.name == name) return &l;
    return nullptr;
}

}  // namespace

TEST_CASE("parseConvMode takes the four names and refuses others") {
    CHECK(*parseConvMode("auto") == ConvMode::Auto);
    CHECK(*parseConvMode("Winograd") == ConvMode::Winograd);
    CHECK(*parseConvMode("direct") == ConvMode::Direct);
    CHECK(*parseConvMode("opencv") == ConvMode::OpenCV);
    auto bad = parseConvMode("fft");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("auto, winograd, direct, opencv") != std::string::npos);
}

TEST_CASE("full VGG19 (.h5, He init and large weights): every conv layer per algorithm equals OpenCV's layer") {
    ModeGuard guard;
    const std::string dir = tempDir();
    const std::string path = dir + "/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";
    writeKerasFile(path, vgg19Layers(7), Naming::Legacy, false);
    ModelOptions o;
    o.model = path;
    auto loaded = Model::load(o);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error());
    Model& heInit = *loaded;

    // Large-magnitude weights: VGG19's He-initialised layers scaled 10x (activations grow ~10^16).
    std::vector<SeqLayer> big = vgg19Untrained(23);
    for (SeqLayer& l : big)
        if (l.kind == SeqLayer::Kind::Conv) {
            l.weights *= 10.0;
            l.bias *= 10.0;
        }
    Model large = Model::fromSequential(big, "VGG19", "large weights");

    struct Case {
        Model* model;
        std::string what;
    };
    for (Case c : {Case{&heInit, "He init (.h5)"}, Case{&large, "10x He init"}})
        for (cv::Size size : {cv::Size(224, 224), cv::Size(97, 75)}) {
            CAPTURE(c.what);
            CAPTURE(size);
            REQUIRE(c.model->setInputSize(size).ok());
            const cv::Mat img = randomImage(size, 5);
            const auto layers = convLayers(*c.model);
            REQUIRE(layers.size() == 16);
            const double direct = worstError(*c.model, img, ConvMode::Direct, layers);
            const double wino = worstError(*c.model, img, ConvMode::Winograd, layers);
            const double automatic = worstError(*c.model, img, ConvMode::Auto, layers);
            MESSAGE(c.what << " at " << size.width << "x" << size.height << ": worst relative error vs OpenCV over 16 layers: direct "
                           << direct << ", winograd " << wino << ", auto " << automatic);
            if (!oneDnnBuilt()) continue;
            CHECK(direct < 1e-5);
            CHECK(wino < 1e-4);
            CHECK(automatic < 1e-4);
            // What the report says is what ran.
            setConvMode(ConvMode::Auto);
            const ConvReport rep = c.model->convReport();
            REQUIRE(rep.layers.size() == 16);
            // oneDNN's Winograd exists only on AVX-512 CPUs: elsewhere auto runs direct and says why.
            const std::string deep = winogradOnThisCpu() ? "winograd" : "direct";
            CHECK(findReport(rep, "block1_conv1")->kernel == "direct");
            CHECK(findReport(rep, "block1_conv2")->kernel == deep);
            CHECK(findReport(rep, "block5_conv4")->kernel == deep);
            CHECK_FALSE(findReport(rep, "block5_conv4")->planned);
            if (winogradOnThisCpu()) {
                CHECK(rep.summary.find("auto: 15 winograd, 1 direct, 0 opencv") == 0);
            } else {
                CHECK(rep.summary.find("auto: 0 winograd, 16 direct, 0 opencv") == 0);
                CHECK(rep.summary.find(kNoWinogradOnCpu) != std::string::npos);
                CHECK(findReport(rep, "block5_conv4")->why == std::string("auto: ") + kNoWinogradOnCpu);
            }
        }
    std::filesystem::remove_all(dir);
}

TEST_CASE("the report of a model not yet run is a plan, and follows the mode") {
    ModeGuard guard;
    Model m = Model::fromSequential(vgg19Untrained(3), "VGG19", "untrained");
    setConvMode(ConvMode::Direct);
    ConvReport rep = m.convReport();
    REQUIRE(rep.layers.size() == 16);
    CHECK(rep.layers[0].name == "block1_conv1");
    CHECK(rep.layers[5].kernel == (oneDnnBuilt() ? "direct" : "opencv"));
    setConvMode(ConvMode::OpenCV);
    rep = m.convReport();
    for (const auto& l : rep.layers) CHECK(l.kernel == "opencv");
    CHECK(rep.summary.find("opencv: 0 winograd, 0 direct, 16 opencv") == 0);
    const std::string json = convReportJson(rep);
    CHECK(json.find("{\"mode\": \"opencv\", \"summary\": \"opencv: 0 winograd") == 0);
    CHECK(json.find("{\"layer\": \"block5_conv4\", \"kernel\": \"opencv\"") != std::string::npos);
}

namespace {

// conv (2 -> 4 channels per group ...) + activation, built in code like OpenCV's importers do.
cv::dnn::Net convNet(int inC, int outC, int groups, int dilation, cv::Vec4i pads, const std::string& activation, int kernel = 3,
                     int stride = 1, bool same = false) {
    cv::dnn::LayerParams lp;
    if (same) lp.set("pad_mode", "SAME");
    lp.set("kernel_h", kernel);
    lp.set("kernel_w", kernel);
    lp.set("pad_t", pads[0]);
    lp.set("pad_b", pads[1]);
    lp.set("pad_l", pads[2]);
    lp.set("pad_r", pads[3]);
    lp.set("stride", stride);
    lp.set("dilation", dilation);
    lp.set("group", groups);
    lp.set("num_output", outC);
    lp.set("bias_term", true);
    const int w[] = {outC, inC / groups, kernel, kernel};
    cv::Mat weights(4, w, CV_32F), bias(1, outC, CV_32F);
    cv::RNG rng(9);
    rng.fill(weights, cv::RNG::NORMAL, 0, 0.2);
    rng.fill(bias, cv::RNG::UNIFORM, -0.5, 0.5);
    lp.blobs = {weights, bias};
    installFastConv();
    cv::dnn::Net net;
    net.addLayerToPrev("conv", "Convolution", lp);
    if (!activation.empty()) {
        cv::dnn::LayerParams act;
        if (activation == "ReLU") act.set("negative_slope", 0.1f);  // leaky
        if (activation == "ReLU6") {
            act.set("min_value", -0.5f);
            act.set("max_value", 0.7f);
        }
        net.addLayerToPrev("act", activation, act);
    }
    return net;
}

cv::Mat runNet(cv::dnn::Net& net, const cv::Mat& input, ConvMode mode) {
    setConvMode(mode);
    net.setInput(input);
    return net.forward().clone();
}

}  // namespace

TEST_CASE("fused activations (leaky ReLU, ReLU6, Sigmoid, TanH) and strides equal OpenCV's layer") {
    ModeGuard guard;
    const int shape[] = {1, 32, 19, 23};
    cv::Mat input(4, shape, CV_32F);
    cv::randn(input, 0, 1);
    for (const std::string act : {"ReLU", "ReLU6", "Sigmoid", "TanH", ""})
        for (int stride : {1, 2}) {
            CAPTURE(act);
            CAPTURE(stride);
            cv::dnn::Net net = convNet(32, 48, 1, 1, {1, 1, 1, 1}, act, 3, stride);
            const cv::Mat ref = runNet(net, input, ConvMode::OpenCV);
            for (ConvMode m : {ConvMode::Direct, ConvMode::Winograd, ConvMode::Auto}) {
                CAPTURE(convModeName(m));
                CHECK(relError(runNet(net, input, m), ref) < 1e-5);
            }
            setConvMode(ConvMode::Winograd);
            const ConvReport rep = convReport(net, true);
            REQUIRE(rep.layers.size() == 1);
            const bool wino = stride == 1 && winogradOnThisCpu();
            if (oneDnnBuilt()) CHECK(rep.layers[0].kernel == (wino ? "winograd" : "direct"));
            if (oneDnnBuilt() && stride == 2 && winogradOnThisCpu()) CHECK(rep.layers[0].why == "oneDNN has no Winograd for this shape");
            if (oneDnnBuilt() && !winogradOnThisCpu()) CHECK(rep.layers[0].why == kNoWinogradOnCpu);
        }
}

TEST_CASE("groups, dilation and asymmetric pads stay on OpenCV's layer, and the report says why") {
    ModeGuard guard;
    const int shape[] = {1, 16, 17, 21};
    cv::Mat input(4, shape, CV_32F);
    cv::randn(input, 0, 1);
    struct Case {
        int groups, dilation, kernel;
        bool same;
        std::string why;
    };
    // OpenCV 4.6 refuses explicit asymmetric pads; pad_mode SAME with an even kernel pads one
    // more pixel at the end.
    for (Case c : {Case{2, 1, 3, false, "groups"}, Case{1, 2, 3, false, "dilation"}, Case{1, 1, 4, true, "asymmetric pads"}}) {
        CAPTURE(c.why);
        cv::dnn::Net net = convNet(16, 16, c.groups, c.dilation, {c.dilation, c.dilation, c.dilation, c.dilation}, "ReLU", c.kernel, 1, c.same);
        const cv::Mat ref = runNet(net, input, ConvMode::OpenCV);
        for (ConvMode m : {ConvMode::Auto, ConvMode::Winograd, ConvMode::Direct}) {
            CAPTURE(convModeName(m));
            const cv::Mat got = runNet(net, input, m);
            CHECK(cv::norm(got.reshape(1, 1), ref.reshape(1, 1), cv::NORM_INF) == 0);  // the very same layer ran
            const ConvReport rep = convReport(net, true);
            REQUIRE(rep.layers.size() == 1);
            CHECK(rep.layers[0].kernel == "opencv");
            CHECK(rep.layers[0].why == (oneDnnBuilt() ? std::string(c.why) : std::string("built without oneDNN")));
        }
    }
}

TEST_CASE("another target keeps OpenCV's layers (report), and switching back to cpu runs oneDNN again") {
    ModeGuard guard;
    setConvMode(ConvMode::Auto);
    Model m = Model::fromSequential(vgg19Untrained(3), "VGG19", "untrained");
    REQUIRE(m.setInputSize({64, 48}).ok());
    const cv::Mat img = randomImage({64, 48}, 1);
    cv::Mat cpu, again;
    REQUIRE(m.forward(img, "block3_conv1", cpu).ok());
    REQUIRE(m.setTarget("opencl").ok());  // falls back to cpu where no OpenCL device exists
    const ConvReport other = m.convReport();
    if (m.target().actual != "cpu") {
        for (const auto& l : other.layers) CHECK(l.kernel == "opencv");
    }
    REQUIRE(m.setTarget("cpu").ok());
    REQUIRE(m.forward(img, "block3_conv1", again).ok());
    CHECK(relError(again, cpu) < 1e-6);
    if (oneDnnBuilt()) CHECK(m.convReport().layers[4].kernel == (winogradOnThisCpu() ? "winograd" : "direct"));
}
