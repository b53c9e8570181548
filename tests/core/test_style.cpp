// The style stage on a network built here with known weights, and Gram matrices, each checked
// against an independent computation.
#include "core/unit/gram.hpp"
#include "core/model/model_zoo.hpp"
#include "core/model/style.hpp"

#include "../support/keras_file.hpp"

#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <random>

using namespace cnnscope;

static const std::string kData = CNNSCOPE_SAMPLE_DATA;

namespace {

// A 1x1 convolution: out[o] = sum_i W[o][i] * in[i] + b[o], the simplest image-to-image network.
cv::dnn::Net mixingNet(const float (&w)[3][3], const float (&b)[3], int outChannels = 3) {
    cv::dnn::Net net;
    cv::dnn::LayerParams lp;
    lp.set("kernel_size", 1);
    lp.set("num_output", outChannels);
    lp.set("bias_term", true);
    const int wsz[4] = {outChannels, 3, 1, 1};
    cv::Mat weights(4, wsz, CV_32F), bias(1, outChannels, CV_32F);
    for (int o = 0; o < outChannels; ++o) {
        for (int i = 0; i < 3; ++i) weights.ptr<float>(o, i)[0] = w[o % 3][i];
        bias.at<float>(o) = b[o % 3];
    }
    lp.blobs = {weights, bias};
    net.addLayerToPrev("mix", "Convolution", lp);
    return net;
}

}  // namespace

TEST_CASE("style stage: a Torch-style network (BGR minus mean in and out) matches the arithmetic on real footage") {
    const cv::Mat frame = cv::imread(kData + "/baboon.jpg");
    REQUIRE_FALSE(frame.empty());
    const float w[3][3] = {{0.f, 0.f, 1.f}, {0.5f, 0.5f, 0.f}, {1.f, 0.f, -0.5f}};
    const float b[3] = {10.f, -20.f, 5.f};
    ZooEntry e = defaultStyleEntry("test.t7");
    REQUIRE(e.pre.size.area() == 0);
    StyleStage stage = StyleStage::fromNet(mixingNet(w, b), e, frame.size(), "mix");
    cv::Mat out;
    auto st = stage.apply(frame, out);
    REQUIRE_MESSAGE(st.ok(), st.error());
    REQUIRE(out.size() == frame.size());
    REQUIRE(out.type() == CV_8UC3);
    // Independent: per pixel, x = p - mean, y = W x + b, pixel = clamp(round(y + mean)).
    const double mean[3] = {103.939, 116.779, 123.68};
    int worst = 0;
    for (int yy = 0; yy < frame.rows; yy += 7)
        for (int xx = 0; xx < frame.cols; xx += 5) {
            const cv::Vec3b p = frame.at<cv::Vec3b>(yy, xx);
            for (int o = 0; o < 3; ++o) {
                double y = b[o];
                for (int i = 0; i < 3; ++i) y += w[o][i] * (p[i] - mean[i]);
                const int expect = int(std::lround(std::clamp(y + mean[o], 0.0, 255.0)));
                worst = std::max(worst, std::abs(expect - int(out.at<cv::Vec3b>(yy, xx)[o])));
            }
        }
    CHECK(worst <= 1);
    CHECK(cv::norm(out, frame, cv::NORM_L1) > 0);  // it changed the picture
}

TEST_CASE("style stage: an RGB network (ONNX model zoo processing) gets R,G,B and its output is turned back to BGR") {
    const cv::Mat frame = cv::imread(kData + "/baboon.jpg");
    REQUIRE_FALSE(frame.empty());
    // Network channel 0 is R. This one outputs (R, 0, 0) in RGB: red only, which in BGR is channel 2.
    const float w[3][3] = {{1.f, 0.f, 0.f}, {0.f, 0.f, 0.f}, {0.f, 0.f, 0.f}};
    const float b[3] = {0.f, 0.f, 0.f};
    ZooEntry e = defaultStyleEntry("test.onnx");
    REQUIRE(e.pre.swapRB);
    StyleStage stage = StyleStage::fromNet(mixingNet(w, b), e, frame.size(), "red");
    cv::Mat out;
    REQUIRE(stage.apply(frame, out).ok());
    cv::Mat ch[3], in[3];
    cv::split(out, ch);
    cv::split(frame, in);
    CHECK(cv::countNonZero(ch[0]) == 0);
    CHECK(cv::countNonZero(ch[1]) == 0);
    CHECK(cv::norm(ch[2], in[2], cv::NORM_INF) == 0);
}

TEST_CASE("style stage: runs at the work size and returns the frame's size") {
    const cv::Mat frame = cv::imread(kData + "/baboon.jpg");  // 512x512
    const float w[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    const float b[3] = {0, 0, 0};
    StyleStage stage = StyleStage::fromNet(mixingNet(w, b), defaultStyleEntry("x.t7"), cv::Size(), "id");
    CHECK(stage.runSize(frame.size()) == cv::Size(320, 320));
    CHECK(stage.runSize(cv::Size(768, 576)) == cv::Size(320, 240));
    CHECK(stage.runSize(cv::Size(200, 100)) == cv::Size(200, 100));
    cv::Mat out;
    REQUIRE(stage.apply(frame, out).ok());
    CHECK(out.size() == frame.size());
    // An identity network through a 320x320 round trip stays close to the input.
    CHECK(cv::norm(out, frame, cv::NORM_L1) / double(frame.total() * 3) < 12.0);
}

TEST_CASE("style stage: a network that does not output an image is refused with the reason") {
    const float w[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    const float b[3] = {0, 0, 0};
    StyleStage stage = StyleStage::fromNet(mixingNet(w, b, 5), defaultStyleEntry("x.t7"), cv::Size(32, 32), "five");
    cv::Mat out;
    auto st = stage.apply(cv::Mat(40, 40, CV_8UC3, cv::Scalar::all(100)), out);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("(1, 5, 32, 32)") != std::string::npos);
    CHECK(st.error().find("not an image") != std::string::npos);
}

TEST_CASE("style stage: missing or unreadable files are errors naming the file and the fix") {
    const std::string dir = cnnscope::test::tempDir();
    StyleOptions o;
    o.style = dir + "/absent.t7";
    auto a = StyleStage::load(o);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().find("absent.t7") != std::string::npos);
    std::ofstream(dir + "/junk.t7", std::ios::binary) << std::string(300, '\x07');
    o.style = dir + "/junk.t7";
    auto b = StyleStage::load(o);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().find("cannot read style network") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("Gram matrix: equals the sum over pixels of F_i F_j / HW, computed naively") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.f, 3.f);
    const int C = 5, H = 7, W = 9;
    const int sz[4] = {1, C, H, W};
    cv::Mat act(4, sz, CV_32F);
    for (size_t i = 0; i < act.total(); ++i) act.ptr<float>()[i] = u(rng);
    cv::Mat g;
    REQUIRE(gramMatrix(act, g).ok());
    REQUIRE(g.rows == C);
    REQUIRE(g.cols == C);
    REQUIRE(g.type() == CV_32F);
    for (int i = 0; i < C; ++i)
        for (int j = 0; j < C; ++j) {
            double s = 0;
            for (int y = 0; y < H; ++y)
                for (int x = 0; x < W; ++x) s += double(act.ptr<float>(0, i)[y * W + x]) * act.ptr<float>(0, j)[y * W + x];
            CHECK(g.at<float>(i, j) == doctest::Approx(s / (H * W)).epsilon(1e-5));
        }
    // A hand-checked case: F = [[1,2],[3,4]] over two pixels -> [[5,11],[11,25]] / 2.
    const int s2[4] = {1, 2, 1, 2};
    float data[] = {1, 2, 3, 4};
    cv::Mat small(4, s2, CV_32F, data);
    REQUIRE(gramMatrix(small, g).ok());
    CHECK(g.at<float>(0, 0) == doctest::Approx(2.5));
    CHECK(g.at<float>(0, 1) == doctest::Approx(5.5));
    CHECK(g.at<float>(1, 0) == doctest::Approx(5.5));
    CHECK(g.at<float>(1, 1) == doctest::Approx(12.5));
    CHECK_FALSE(gramMatrix(cv::Mat(3, 3, CV_32F), g).ok());
}

TEST_CASE("Gram heatmap: entries coloured by value over the largest, as crisp squares") {
    cv::Mat g = (cv::Mat_<float>(2, 2) << 0.f, 2.f, 2.f, 4.f);
    cv::Mat img;
    const Range r = gramRange(g);
    CHECK(r.lo == 0.f);
    CHECK(r.hi == 4.f);
    const Range shared = gramRange(g, g * 2);
    CHECK(shared.hi == 8.f);
    renderGram(g, r, Colormap::Hot, 1.f, cv::Size(100, 100), img);
    REQUIRE(img.size() == cv::Size(100, 100));
    CHECK(img.at<cv::Vec3b>(10, 10) == lutBgr8(Colormap::Hot, 0));
    CHECK(img.at<cv::Vec3b>(90, 90) == lutBgr8(Colormap::Hot, 255));
    CHECK(img.at<cv::Vec3b>(10, 90) == lutBgr8(Colormap::Hot, lutIndex(0.5f)));
    CHECK(img.at<cv::Vec3b>(49, 10) == img.at<cv::Vec3b>(0, 0));  // the whole square shares a colour
}

TEST_CASE("models.yml: style entries parse with their output mapping and are never the default model") {
    auto zoo = loadZooFile(CNNSCOPE_SOURCE_MODELS_DIR "/models.yml");
    REQUIRE_MESSAGE(zoo.ok(), zoo.error());
    const ZooEntry* starry = findZooEntry(*zoo, "starry_night");
    REQUIRE(starry);
    CHECK(starry->style());
    CHECK(starry->pre.size.area() == 0);
    CHECK(starry->outMean[0] == doctest::Approx(103.939));
    const ZooEntry* mosaic = findZooEntry(*zoo, "mosaic-9.onnx");
    REQUIRE(mosaic);
    CHECK(mosaic->pre.swapRB);
    CHECK(mosaic->pre.size == cv::Size(224, 224));
    const std::string dir = cnnscope::test::tempDir();
    std::ofstream(dir + "/m.yml") << "models:\n  - name: a\n    file: b\n    kind: painting\n";
    auto bad = loadZooFile(dir + "/m.yml");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("kind must be 'style'") != std::string::npos);
    std::filesystem::remove_all(dir);
}
