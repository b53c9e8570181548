// The layer catalogue.
#include "core/model/catalogue.hpp"

#include "core/base/parse.hpp"

#include <opencv2/dnn/all_layers.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace cnnscope {

namespace {

struct Field {
    int rf = 1;
    int jump = 1;
    int offset = 0;  // input coordinate of output pixel 0's first field pixel
};

std::string kerasType(const std::string& cvType) {
    if (cvType == "Convolution") return "Conv2D";
    if (cvType == "Pooling") return "MaxPooling2D";
    if (cvType == "ReLU") return "Conv2D";  // merged conv + relu
    return cvType;
}

}  // namespace

std::vector<LayerInfo> describeLayers(cv::dnn::Net& net, bool kerasNames) {
    std::vector<LayerInfo> out;
    LayerInfo input;
    input.name = "input";
    input.type = kerasNames ? "InputLayer" : "Input";
    out.push_back(input);

    std::map<std::string, Field> fields;  // by layer name
    fields["_input"] = Field{};
    std::map<std::string, LayerInfo> pending;  // "X/conv" waiting for its "X"

    const std::vector<std::string> names = net.getLayerNames();
    std::string previous = "_input";
    for (const std::string& name : names) {
        const int id = net.getLayerId(name);
        cv::Ptr<cv::dnn::Layer> layer = net.getLayer(id);
        Field f;
        const auto inputs = net.getLayerInputs(id);
        const bool chained = inputs.size() == 1 && inputs[0]->name == previous;
        previous = name;
        for (const auto& in : inputs) {
            auto it = fields.find(in->name);
            if (it != fields.end() && it->second.rf > f.rf) f = it->second;
        }
        int k = 1, s = 1, d = 1, p = 0;
        if (auto* conv = dynamic_cast<cv::dnn::BaseConvolutionLayer*>(layer.get())) {
            if (!conv->kernel_size.empty()) k = int(*std::max_element(conv->kernel_size.begin(), conv->kernel_size.end()));
            if (!conv->strides.empty()) s = int(*std::max_element(conv->strides.begin(), conv->strides.end()));
            if (!conv->dilations.empty()) d = int(*std::max_element(conv->dilations.begin(), conv->dilations.end()));
            if (!conv->pads_begin.empty()) p = int(*std::max_element(conv->pads_begin.begin(), conv->pads_begin.end()));
        } else if (auto* pool = dynamic_cast<cv::dnn::PoolingLayer*>(layer.get())) {
            if (!pool->kernel_size.empty()) k = int(*std::max_element(pool->kernel_size.begin(), pool->kernel_size.end()));
            if (!pool->strides.empty()) s = int(*std::max_element(pool->strides.begin(), pool->strides.end()));
            if (!pool->pads_begin.empty()) p = int(*std::max_element(pool->pads_begin.begin(), pool->pads_begin.end()));
        }
        // Output o reads inputs o*s - p .. o*s - p + (k-1)*d of the layer below.
        f.offset -= p * f.jump;
        f.rf += (k - 1) * d * f.jump;
        f.jump *= s;
        fields[name] = f;

        LayerInfo info;
        info.name = name;
        info.netName = name;
        info.type = kerasNames ? kerasType(layer->type) : layer->type;
        for (const cv::Mat& b : layer->blobs) info.params += int64_t(b.total());
        info.receptiveField = f.rf;
        info.stride = f.jump;
        info.rfOffset = f.offset;
        info.kernel = k;
        info.step = s;
        info.pad = p;
        info.dilation = d;
        info.chained = chained;
        if (endsWith(name, "/conv")) {
            pending[name.substr(0, name.size() - 5)] = info;
            continue;
        }
        if (auto it = pending.find(name); it != pending.end()) {
            info.params += it->second.params;
            if (info.kernel == 1 && info.step == 1 && info.pad == 0) {  // the ReLU of a merged conv
                info.kernel = it->second.kernel;
                info.step = it->second.step;
                info.pad = it->second.pad;
                info.dilation = it->second.dilation;
                info.chained = info.chained && it->second.chained;
            }
            if (kerasNames) info.type = kerasType(it->second.type);
            pending.erase(it);
        }
        out.push_back(info);
    }
    // Readable names, unique among themselves and never equal to another layer's OpenCV name.
    std::set<std::string> used;
    for (const auto& l : out) used.insert(l.netName);
    for (auto& l : out) {
        if (l.name == "input") continue;
        const std::string readable = readableLayerName(l.netName, [&](const std::string& n) { return used.count(n) != 0; });
        if (readable != l.name) {
            used.insert(readable);
            l.name = readable;
        }
    }
    return out;
}

std::string readableLayerName(const std::string& netName, const std::function<bool(const std::string&)>& taken) {
    static const std::string kPrefix = "onnx_node!";
    if (netName.rfind(kPrefix, 0) != 0) return netName;
    const std::string bare = netName.substr(kPrefix.size());
    std::vector<std::string> candidates;
    if (bare.size() > 1 && bare[0] == '/') {
        // torch.onnx.export: "/scope/scope.sub/OpType[_N]"; the segment before the op is the module path.
        std::vector<std::string> parts;
        for (size_t b = 1, e; b <= bare.size(); b = e + 1) {
            e = bare.find('/', b);
            if (e == std::string::npos) e = bare.size();
            parts.push_back(bare.substr(b, e - b));
        }
        if (parts.size() >= 2 && !parts[parts.size() - 2].empty()) {
            candidates.push_back(parts[parts.size() - 2]);
            candidates.push_back(parts[parts.size() - 2] + "/" + parts.back());
        }
        candidates.push_back(bare.substr(1));
    }
    candidates.push_back(bare);
    for (const auto& c : candidates)
        if (!c.empty() && c != "input" && !taken(c)) return c;
    return netName;
}

bool layerMatches(const LayerInfo& layer, const std::string& asked) {
    return layer.name == asked || layer.netName == asked || (!asked.empty() && layer.netName == "onnx_node!" + asked);
}

void computeShapes(cv::dnn::Net& net, std::vector<LayerInfo>& layers, cv::Size inputSize) {
    const cv::dnn::MatShape in = {1, 3, inputSize.height, inputSize.width};
    std::vector<int> ids;
    std::vector<std::vector<cv::dnn::MatShape>> inShapes, outShapes;
    net.getLayersShapes(in, ids, inShapes, outShapes);
    std::map<int, size_t> byId;
    for (size_t i = 0; i < ids.size(); ++i) byId[ids[i]] = i;
    for (LayerInfo& l : layers) {
        l.shape.clear();
        const int id = l.name == "input" ? 0 : net.getLayerId(l.netName);
        if (id == 0 && l.name == "input") {
            l.shape = {3, inputSize.height, inputSize.width};
            continue;
        }
        auto it = byId.find(id);
        if (it == byId.end() || outShapes[it->second].empty()) continue;
        const auto& s = outShapes[it->second][0];
        l.shape.assign(s.begin() + (s.empty() ? 0 : 1), s.end());
    }
}

int64_t totalParams(const std::vector<LayerInfo>& layers) {
    int64_t n = 0;
    for (const auto& l : layers) n += l.params;
    return n;
}

}  // namespace cnnscope
