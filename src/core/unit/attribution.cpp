// Per-channel attribution and channel ablation.
#include "core/unit/attribution.hpp"

#include "core/model/model.hpp"
#include "core/unit/featvis_index.hpp"

#include <algorithm>
#include <sstream>

namespace cnnscope {

Status channelAttribution(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, int classIndex, CamResult& head,
                          std::vector<double>& perChannel) {
    cv::Mat A, G;
    if (auto st = camForward(chain, blob, layer, classIndex, head, A); !st) return st;
    const cv::Mat logits = chain.output(chain.topLayer());
    cv::Mat seed = cv::Mat::zeros(logits.dims, logits.size.p, CV_32F);
    seed.ptr<float>()[head.classIndex] = 1.f;
    if (auto st = chain.backwardTo({{chain.topLayer(), seed}}, ReluMode::Grad, layer, G); !st) return st;
    head.backwardMs = chain.lastBackwardMs();
    const int C = A.size[1];
    const size_t P = size_t(A.size[2]) * A.size[3];
    perChannel.assign(size_t(C), 0.0);
    for (int c = 0; c < C; ++c) {
        const float* a = A.ptr<float>() + size_t(c) * P;
        const float* g = G.ptr<float>() + size_t(c) * P;
        double s = 0;
        for (size_t p = 0; p < P; ++p) s += double(a[p]) * g[p];
        perChannel[size_t(c)] = s;
    }
    return {};
}

std::vector<ChannelScore> rankChannels(const std::vector<double>& perChannel) {
    std::vector<ChannelScore> r;
    for (size_t c = 0; c < perChannel.size(); ++c) r.push_back({int(c), perChannel[c]});
    std::stable_sort(r.begin(), r.end(), [](const ChannelScore& a, const ChannelScore& b) { return a.attribution > b.attribution; });
    return r;
}

Expected<std::vector<int>> parseAblateList(const std::string& text, int channels) {
    std::vector<int> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        auto some = parseChannelList(item, channels);  // one channel or a range A-B
        if (!some || item == "all")
            return Error{"--ablate: " + (some ? "'all' would zero the whole layer" : some.error()) + "; give channels of the layer (0.." +
                         std::to_string(channels - 1) + ") as e.g. --ablate 12,40 or 3-5"};
        out.insert(out.end(), some->begin(), some->end());
    }
    if (out.empty()) return Error{"--ablate needs channel numbers of the layer (0.." + std::to_string(channels - 1) + "), e.g. --ablate 12,40"};
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Status ablateChannels(Model& model, const std::string& layer, const std::vector<int>& channels) {
    const LayerInfo* info = model.find(layer);
    cv::dnn::Net& net = model.net();
    int id = info ? net.getLayerId(info->netName) : -1;
    if (id <= 0) return Error{"--ablate: no layer '" + layer + "'"};
    return guard([&]() -> Status {
        for (; id > 0; --id) {
            cv::Ptr<cv::dnn::Layer> l = net.getLayer(id);
            if (l->type == "Convolution") break;
            const bool keepsZero = l->type == "ReLU" || l->type == "Identity" || l->type == "Dropout" ||
                                   l->type == "Pooling";
            if (!keepsZero || net.getLayerInputs(id).size() != 1)
                return Error{"--ablate: '" + layer + "' is not made by a convolution (a " + l->type + " layer is in between); " +
                             "ablate at a convolution's output or the ReLU or pool right after it"};
        }
        if (id <= 0) return Error{"--ablate: no convolution makes '" + layer + "'"};
        cv::Ptr<cv::dnn::Layer> conv = net.getLayer(id);
        cv::Mat w = conv->blobs[0].reshape(1, conv->blobs[0].size[0]);
        for (int c : channels) {
            if (c >= w.rows) return Error{"--ablate: channel " + std::to_string(c) + " is past the layer's " + std::to_string(w.rows)};
            w.row(c).setTo(0);
            if (conv->blobs.size() > 1) conv->blobs[1].reshape(1, 1).at<float>(0, c) = 0.f;
        }
        model.weightsChanged();  // the executor holds its own copy in its layout
        return {};
    });
}

}  // namespace cnnscope
