// Receptive fields against a brute-force support computation (one-pixel impulses through nets
// with positive weights), the frame mapping against cv::resize itself, and channel peaks.
#include "core/model/catalogue.hpp"
#include "core/unit/receptive_field.hpp"

#include <doctest/doctest.h>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <map>

using namespace cnnscope;

namespace {

struct Spec {
    std::string name;
    bool pool = false;
    int k = 3, stride = 1, pad = 1, dilation = 1;
};

// Convs are named "X/conv" with a ReLU "X" (as cnnscope builds Keras nets); weights all equal
// and positive, so an output is non-zero exactly where an input impulse reaches it.
cv::dnn::Net buildNet(const std::vector<Spec>& specs, int channels) {
    cv::dnn::Net net;
    int in = 3;  // the catalogue computes shapes for a 3-channel input
    for (const Spec& s : specs) {
        cv::dnn::LayerParams lp;
        if (s.pool) {
            lp.set("pool", "max");
            lp.set("kernel_size", s.k);
            lp.set("stride", s.stride);
            lp.set("pad", s.pad);
            lp.set("ceil_mode", false);
            net.addLayerToPrev(s.name, "Pooling", lp);
            continue;
        }
        const int sz[4] = {channels, in, s.k, s.k};
        cv::Mat w(4, sz, CV_32F, cv::Scalar(1.0 / (in * s.k * s.k)));
        lp.set("kernel_size", s.k);
        lp.set("stride", s.stride);
        lp.set("pad", s.pad);
        lp.set("dilation", s.dilation);
        lp.set("num_output", channels);
        lp.set("bias_term", true);
        lp.blobs = {w, cv::Mat::zeros(1, channels, CV_32F)};
        net.addLayerToPrev(s.name + "/conv", "Convolution", lp);
        cv::dnn::LayerParams relu;
        net.addLayerToPrev(s.name, "ReLU", relu);
        in = channels;
    }
    return net;
}

// For every output position of every named layer: the bounding box and count of input pixels
// whose impulse reaches it.
struct Support {
    cv::Rect box;
    int count = 0;
};

std::map<std::string, std::vector<Support>> bruteForce(cv::dnn::Net& net, const std::vector<std::string>& names, cv::Size in,
                                                       std::map<std::string, cv::Size>& mapSizes) {
    std::map<std::string, std::vector<Support>> out;
    const int sz[4] = {1, 3, in.height, in.width};  // impulses in channel 0 only
    cv::Mat blob(4, sz, CV_32F, cv::Scalar(0));
    std::vector<cv::Mat> outs;
    std::vector<cv::String> cvNames(names.begin(), names.end());
    for (int v = 0; v < in.height; ++v)
        for (int u = 0; u < in.width; ++u) {
            blob.ptr<float>(0, 0)[v * in.width + u] = 1.f;
            net.setInput(blob);
            net.forward(outs, cvNames);
            blob.ptr<float>(0, 0)[v * in.width + u] = 0.f;
            for (size_t i = 0; i < names.size(); ++i) {
                const cv::Mat& o = outs[i];
                const int H = o.size[2], W = o.size[3];
                mapSizes[names[i]] = cv::Size(W, H);
                auto& sup = out[names[i]];
                sup.resize(size_t(H * W));
                const float* p = o.ptr<float>(0, 0);
                for (int j = 0; j < H * W; ++j)
                    if (p[j] > 0.f) {
                        Support& s = sup[size_t(j)];
                        s.box = s.count ? (s.box | cv::Rect(u, v, 1, 1)) : cv::Rect(u, v, 1, 1);
                        ++s.count;
                    }
            }
        }
    return out;
}

void checkAgainstBruteForce(const std::vector<Spec>& specs, cv::Size in) {
    bool dilated = false;  // dilated windows have gaps: the support is the box with holes
    for (const Spec& s : specs) dilated = dilated || s.dilation > 1;
    cv::dnn::Net net = buildNet(specs, 2);
    std::vector<LayerInfo> layers = describeLayers(net, true);
    computeShapes(net, layers, in);
    std::vector<std::string> names;
    for (const Spec& s : specs) names.push_back(s.name);
    std::map<std::string, cv::Size> mapSizes;
    const auto support = bruteForce(net, names, in, mapSizes);
    for (size_t row = 1; row < layers.size(); ++row) {
        const LayerInfo& l = layers[row];
        CAPTURE(l.name);
        const cv::Size m = mapSizes.at(l.name);
        int checked = 0;
        for (int y = 0; y < m.height; ++y)
            for (int x = 0; x < m.width; ++x) {
                const Support& s = support.at(l.name)[size_t(y * m.width + x)];
                const ReceptiveField f = receptiveField(layers, row, y, x, in);
                const ReceptiveField g = receptiveField(l, y, x, in, in);  // geometry alone
                CAPTURE(y);
                CAPTURE(x);
                REQUIRE(s.count > 0);
                CHECK(s.box == f.blobClipped);
                if (!dilated) CHECK(s.count == f.blobClipped.area());  // the whole rectangle, no holes
                CHECK(f.blob.width == l.receptiveField);
                CHECK(f.blob == g.blob);
                CHECK((f.blobClipped & g.blobClipped) == f.blobClipped);  // inside the border-clipped box
                CHECK(f.frameClipped == f.blobClipped);  // frame == input: the same pixels
                ++checked;
            }
        CHECK(checked == m.area());
    }
    CHECK(layers.size() == specs.size() + 1);
}

}  // namespace

TEST_CASE("receptive field: VGG-like stack (3x3 'same' convs, 2x2 pools) matches the brute-force support") {
    checkAgainstBruteForce({{"block1_conv1"}, {"block1_conv2"}, {"block1_pool", true, 2, 2, 0},
                            {"block2_conv1"}, {"block2_pool", true, 2, 2, 0}, {"block3_conv1"}},
                           cv::Size(29, 23));
}

TEST_CASE("receptive field: strides, padding and a padded pool match the brute-force support") {
    checkAgainstBruteForce({{"c1", false, 5, 1, 2}, {"c2", false, 3, 2, 0}, {"p1", true, 3, 2, 1}, {"c3", false, 3, 1, 1}},
                           cv::Size(31, 26));
}

TEST_CASE("receptive field: a dilated conv's box matches the brute-force support") {
    checkAgainstBruteForce({{"c1", false, 5, 1, 2}, {"c2", false, 3, 2, 0}, {"p1", true, 3, 2, 1},
                            {"c3", false, 3, 1, 2, 2}, {"c4", false, 1, 1, 0}},
                           cv::Size(31, 26));
}

TEST_CASE("receptive field: VGG-like stack at a size the pools floor (odd sides)") {
    checkAgainstBruteForce({{"block1_conv1"}, {"block1_pool", true, 2, 2, 0}, {"block2_conv1"}, {"block2_pool", true, 2, 2, 0},
                            {"block3_conv1"}},
                           cv::Size(27, 21));
}

TEST_CASE("receptive field: blob pixels map to the frame pixels cv::resize reads for them") {
    // Perturb one frame column at a time and see which blob columns change under INTER_AREA
    // (the shrinking case of preprocessing): exactly those whose frame box holds the column.
    const int fw = 768, iw = 224;
    cv::Mat frame(1, fw, CV_8UC1, cv::Scalar(100)), base, moved;
    cv::resize(frame, base, cv::Size(iw, 1), 0, 0, cv::INTER_AREA);
    std::vector<int> lo(iw, fw), hi(iw, -1);
    for (int c = 0; c < fw; ++c) {
        frame.at<uchar>(0, c) = 250;
        cv::resize(frame, moved, cv::Size(iw, 1), 0, 0, cv::INTER_AREA);
        frame.at<uchar>(0, c) = 100;
        for (int u = 0; u < iw; ++u)
            if (moved.at<uchar>(0, u) != base.at<uchar>(0, u)) {
                lo[size_t(u)] = std::min(lo[size_t(u)], c);
                hi[size_t(u)] = std::max(hi[size_t(u)], c);
            }
    }
    LayerInfo pixel;  // the input itself: field 1, stride 1
    int exact = 0;
    for (int u = 0; u < iw; ++u) {
        const ReceptiveField f = receptiveField(pixel, 0, u, cv::Size(iw, 1), cv::Size(fw, 1));
        CAPTURE(u);
        // An 8-bit result hides a column that contributes only a sliver; never one outside.
        CHECK(lo[size_t(u)] >= f.frame.x);
        CHECK(hi[size_t(u)] <= f.frame.x + f.frame.width - 1);
        exact += (lo[size_t(u)] == f.frame.x && hi[size_t(u)] == f.frame.x + f.frame.width - 1);
    }
    CHECK(exact > iw * 9 / 10);
}

TEST_CASE("receptive field: frame rect scales with the frame, is clipped at the borders, unclipped kept") {
    LayerInfo l;
    l.receptiveField = 48;
    l.stride = 4;
    l.rfOffset = -22;
    const ReceptiveField f = receptiveField(l, 0, 0, cv::Size(224, 224), cv::Size(448, 672));
    CHECK(f.blob == cv::Rect(-22, -22, 48, 48));
    CHECK(f.blobClipped == cv::Rect(0, 0, 26, 26));
    CHECK(f.frame == cv::Rect(-44, -66, 96, 144));
    CHECK(f.frameClipped == cv::Rect(0, 0, 52, 78));
    const ReceptiveField g = receptiveField(l, 55, 55, cv::Size(224, 224), cv::Size(768, 576));
    CHECK(g.blob == cv::Rect(198, 198, 48, 48));
    CHECK(g.frameClipped.br() == cv::Point(768, 576));
    CHECK(g.frame.width >= int(48 * 768 / 224.0));
}

TEST_CASE("strongest position: the first maximum in scan order, NaN never wins") {
    const int sz[4] = {1, 2, 3, 4};
    cv::Mat act(4, sz, CV_32F, cv::Scalar(0));
    float* c1 = act.ptr<float>(0, 1);
    c1[0] = std::numeric_limits<float>::quiet_NaN();
    c1[6] = 5.f;
    c1[9] = 5.f;
    const MapPeak p = strongestPosition(act, 1);
    CHECK(p.pos == cv::Point(2, 1));
    CHECK(p.value == 5.f);
    CHECK(strongestPosition(act, 0).pos == cv::Point(0, 0));
    CHECK(strongestPosition(act, 2).pos == cv::Point(-1, -1));
}
