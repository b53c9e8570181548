// Two-network comparison: layer matching by name and by position, symmetric difference ranges.
#include "core/model/model_diff.hpp"

#include <doctest/doctest.h>

using namespace cnnscope;

namespace {
LayerInfo layer(const std::string& name, const std::string& type, int c = 4, int h = 8, int w = 8) {
    LayerInfo l;
    l.name = name;
    l.type = type;
    l.shape = {c, h, w};
    return l;
}
}  // namespace

TEST_CASE("matchLayer: by name, else by position among conv (after a separate ReLU) or pooling layers") {
    const std::vector<LayerInfo> keras = {layer("input", "InputLayer", 3), layer("block1_conv1", "Conv2D"), layer("block1_conv2", "Conv2D"),
                                          layer("block1_pool", "MaxPooling2D", 4, 4, 4)};
    const std::vector<LayerInfo> onnx = {layer("input", "Input", 3), layer("c1", "Convolution"), layer("r1", "ReLU"),
                                         layer("c2", "Convolution"), layer("p1", "Pooling", 4, 4, 4)};
    auto same = matchLayer(keras, "block1_conv2", keras);
    REQUIRE(same);
    CHECK(same->layerB == "block1_conv2");
    CHECK(!same->byPosition);
    auto m = matchLayer(keras, "block1_conv1", onnx);
    REQUIRE(m);
    CHECK(m->layerB == "r1");  // the conv's own ReLU
    CHECK(m->byPosition);
    CHECK(m->position == 1);
    CHECK(matchLayer(keras, "block1_conv2", onnx)->layerB == "c2");  // no ReLU follows it
    CHECK(matchLayer(keras, "block1_pool", onnx)->layerB == "p1");
    // Back the other way: ONNX's ReLU stands for its conv.
    CHECK(matchLayer(onnx, "r1", keras)->layerB == "block1_conv1");
    CHECK(!matchLayer(keras, "nope", onnx));
    const std::vector<LayerInfo> short1 = {layer("x", "Convolution")};
    auto none = matchLayer(keras, "block1_conv2", short1);
    REQUIRE(!none);
    CHECK(none.error().find("only 1 conv layers") != std::string::npos);
}

TEST_CASE("layerDifference: A - B with ranges symmetric around 0, per channel or per layer; identical maps -> [-1, 1]") {
    const int sz[4] = {1, 3, 2, 2};
    cv::Mat a(4, sz, CV_32F, cv::Scalar(1.f)), b(4, sz, CV_32F, cv::Scalar(1.f));
    channelView(b, 0).at<float>(0, 1) = 3.f;   // channel 0: d = -2
    channelView(b, 1).at<float>(1, 0) = 0.5f;  // channel 1: d = +0.5
    cv::Mat d;
    std::vector<Range> r;
    float m = 0;
    REQUIRE(layerDifference(a, b, DiffScale::PerChannel, d, r, &m));
    CHECK(channelView(d, 0).at<float>(0, 1) == -2.f);
    CHECK(r[0].lo == -2.f);
    CHECK(r[0].hi == 2.f);
    CHECK(r[1].hi == 0.5f);
    CHECK(r[2].lo == -1.f);  // channel 2 identical
    CHECK(r[2].hi == 1.f);
    CHECK(m == 2.f);
    CHECK(normalizeValue(0.f, r[1], 1.f) == 0.5f);
    REQUIRE(layerDifference(a, b, DiffScale::Layer, d, r));
    for (const Range& x : r) CHECK(x.hi == 2.f);
    const int other[4] = {1, 3, 2, 3};
    CHECK(!layerDifference(a, cv::Mat(4, other, CV_32F, cv::Scalar(0)), DiffScale::Layer, d, r));
}
