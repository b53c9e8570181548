// A net's plain prefix as stages, read from OpenCV dnn's layers.
#include "core/model/chain.hpp"

#include <opencv2/dnn/all_layers.hpp>

namespace cnnscope {

namespace {
constexpr int kPoolMax = 0;  // OpenCV's PoolingLayer::type for max pooling

Expected<ChainStage> convStage(cv::dnn::BaseConvolutionLayer* c, const cv::Ptr<cv::dnn::Layer>& l, int& channels) {
    if (!c || l->blobs.empty() || c->kernel_size.size() != 2) return Error{"not a 2-D convolution"};
    if (!c->padMode.empty() && c->padMode != "VALID") return Error{"padding mode " + c->padMode};
    for (size_t d : c->dilations)
        if (d != 1) return Error{"dilated"};
    ChainStage s;
    s.name = l->name;
    s.kind = ChainStage::Kind::Conv;
    s.kh = int(c->kernel_size[0]), s.kw = int(c->kernel_size[1]);
    s.sh = int(c->strides[0]), s.sw = int(c->strides[1]);
    s.pt = int(c->pads_begin[0]), s.pl = int(c->pads_begin[1]);
    s.pb = int(c->pads_end[0]), s.pr = int(c->pads_end[1]);
    const int outC = c->numOutput;
    const cv::Mat& w = l->blobs[0];
    if (int(w.total()) != outC * channels * s.kh * s.kw)
        return Error{"grouped (weights do not match " + std::to_string(channels) + " input channels)"};
    const int wshape[] = {outC, channels, s.kh, s.kw};
    s.weights = w.reshape(1, 4, wshape).clone();
    s.bias = l->blobs.size() > 1 ? l->blobs[1].reshape(1, 1).clone() : cv::Mat::zeros(1, outC, CV_32F);
    channels = outC;
    return s;
}

Expected<ChainStage> poolStage(cv::dnn::PoolingLayer* p, ChainStage s) {
    if (!p || p->type != kPoolMax) return Error{"not max pooling"};
    if (p->globalPooling || p->kernel_size.size() != 2) return Error{"global or not 2-D"};
    if (!p->padMode.empty() && p->padMode != "VALID") return Error{"padding mode " + p->padMode};
    s.kind = ChainStage::Kind::MaxPool;
    s.kh = int(p->kernel_size[0]), s.kw = int(p->kernel_size[1]);
    s.sh = int(p->strides[0]), s.sw = int(p->strides[1]);
    if (!p->pads_begin.empty()) s.pt = int(p->pads_begin[0]), s.pl = int(p->pads_begin[1]);
    if (!p->pads_end.empty()) s.pb = int(p->pads_end[0]), s.pr = int(p->pads_end[1]);
    s.ceil = p->ceilMode;
    return s;
}
}  // namespace

const char* chainSupportedTypes() {
    return "Convolution (any kernel, stride and padding; no groups or dilation), ReLU, max Pooling, Identity, Dropout, "
           "Flatten, InnerProduct (dense)";
}

Expected<ChainStage> stageFrom(const cv::Ptr<cv::dnn::Layer>& l, int& channels) {
    ChainStage s;
    s.name = l->name;
    if (l->type == "Convolution") return convStage(dynamic_cast<cv::dnn::BaseConvolutionLayer*>(l.get()), l, channels);
    if (l->type == "Pooling") return poolStage(dynamic_cast<cv::dnn::PoolingLayer*>(l.get()), s);
    if (l->type == "ReLU") {
        auto* r = dynamic_cast<cv::dnn::ReLULayer*>(l.get());
        if (r && r->negativeSlope != 0.f) return Error{"leaky (negative slope)"};
        s.kind = ChainStage::Kind::Relu;
    } else if (l->type == "Identity" || l->type == "Dropout") {
        s.kind = ChainStage::Kind::Identity;  // e.g. the ONNX importer's layer for a graph output
    } else if (l->type == "Flatten") {
        s.kind = ChainStage::Kind::Flatten;
    } else if (l->type == "InnerProduct") {
        if (l->blobs.empty() || l->blobs[0].dims != 2) return Error{"no 2-D weight matrix"};
        s.kind = ChainStage::Kind::Dense;
        s.weights = l->blobs[0];  // (out, in), shared with the model
        const int outN = s.weights.rows;
        s.bias = l->blobs.size() > 1 ? l->blobs[1].reshape(1, 1) : cv::Mat::zeros(1, outN, CV_32F);
        if (int(s.bias.total()) != outN) return Error{"bias of another size than the outputs"};
        channels = outN;
    } else {
        return Error{""};
    }
    return s;
}

static bool readsPrevious(cv::dnn::Net& net, int id) {
    const auto inputs = net.getLayerInputs(id);
    return inputs.size() == 1 && (id == 1 || inputs[0]->name == net.getLayer(id - 1)->name);
}

Expected<std::vector<ChainStage>> plainChain(cv::dnn::Net& net, int top, const std::string& purpose) {
    std::vector<ChainStage> stages;
    int channels = 3;
    for (int id = 1; id <= top; ++id) {
        cv::Ptr<cv::dnn::Layer> l = net.getLayer(id);
        auto s = !readsPrevious(net, id) ? Expected<ChainStage>(Error{"the net is not a plain chain here"}) : stageFrom(l, channels);
        if (!s)
            return Error{"cannot go back through layer '" + l->name + "' (type " + l->type + ")" +
                         (s.error().empty() ? "" : ": " + s.error()) + " " + purpose + "; supported: " + chainSupportedTypes()};
        stages.push_back(std::move(*s));
    }
    return stages;
}

std::vector<ChainStage> longestPlainChain(cv::dnn::Net& net, int top) {
    std::vector<ChainStage> stages;
    int channels = 3;
    for (int id = 1; id <= top && readsPrevious(net, id); ++id) {
        auto s = stageFrom(net.getLayer(id), channels);
        if (!s) break;
        stages.push_back(std::move(*s));
    }
    return stages;
}

}  // namespace cnnscope
