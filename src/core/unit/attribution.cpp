// Per-channel attribution and channel ablation.
#include "core/unit/attribution.hpp"

#include "core/model/model.hpp"
#include "core/unit/featvis_index.hpp"

#include <algorithm>
#include <sstream>

namespace cnnscope {

namespace {

// sum over positions of A_c * G_c, per channel, in double.
std::vector<double> gradTimesActivation(const cv::Mat& A, const cv::Mat& G) {
    const int C = A.size[1];
    const size_t P = size_t(A.size[2]) * A.size[3];
    std::vector<double> perChannel(size_t(C), 0.0);
    for (int c = 0; c < C; ++c) {
        const float* a = A.ptr<float>() + size_t(c) * P;
        const float* g = G.ptr<float>() + size_t(c) * P;
        double s = 0;
        for (size_t p = 0; p < P; ++p) s += double(a[p]) * g[p];
        perChannel[size_t(c)] = s;
    }
    return perChannel;
}

// The forward, the class, and its logit's gradient at `layer` (A and G).
Status forwardBackward(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, int classIndex, CamResult& head, cv::Mat& A,
                       cv::Mat& G) {
    if (auto st = camForward(chain, blob, layer, classIndex, head, A); !st) return st;
    const cv::Mat logits = chain.output(chain.topLayer());
    cv::Mat seed = cv::Mat::zeros(logits.dims, logits.size.p, CV_32F);
    seed.ptr<float>()[head.classIndex] = 1.f;
    if (auto st = chain.backwardTo({{chain.topLayer(), seed}}, ReluMode::Grad, layer, G); !st) return st;
    head.backwardMs = chain.lastBackwardMs();
    return {};
}

}  // namespace

Status channelAttribution(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, int classIndex, CamResult& head,
                          std::vector<double>& perChannel) {
    cv::Mat A, G;
    if (auto st = forwardBackward(chain, blob, layer, classIndex, head, A, G); !st) return st;
    perChannel = gradTimesActivation(A, G);
    return {};
}

Status camWithAttribution(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, CamMethod method, int classIndex,
                          CamResult& out, std::vector<double>& perChannel) {
    if (camIsForwardsOnly(method)) return Error{std::string(camMethodName(method)) + " is made from forwards only, not from one backward"};
    cv::Mat A, G;
    if (auto st = forwardBackward(chain, blob, layer, classIndex, out, A, G); !st) return st;
    perChannel = gradTimesActivation(A, G);
    return camMap(method, A, G, out.map);
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

Status ablateChannels(Model& model, const std::string& layer, const std::vector<int>& channels) { return ablateChannels(model, layer, channels, nullptr); }

Status restoreAblation(Model& model, AblationBackup& backup) {
    if (backup.layerId <= 0) return {};
    return guard([&]() -> Status {
        cv::Ptr<cv::dnn::Layer> conv = model.net().getLayer(backup.layerId);
        for (size_t i = 0; i < backup.blobs.size() && i < conv->blobs.size(); ++i) backup.blobs[i].copyTo(conv->blobs[i]);
        backup = AblationBackup();
        model.weightsChanged();
        return {};
    });
}

Status ablateChannels(Model& model, const std::string& layer, const std::vector<int>& channels, AblationBackup* backup) {
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
        for (int c : channels)
            if (c < 0 || c >= conv->blobs[0].size[0])
                return Error{"--ablate: channel " + std::to_string(c) + " is past the layer's " + std::to_string(conv->blobs[0].size[0])};
        if (backup) {
            backup->layerId = id;
            backup->blobs.clear();
            for (const cv::Mat& b : conv->blobs) backup->blobs.push_back(b.clone());
        }
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
