// Shared setup and JSON pieces of `cam` and `attribute`.
#include "cli/why_common.hpp"

#include "core/base/parse.hpp"
#include "core/model/model_check.hpp"

namespace cnnscope::cli {

namespace {

Status checkLayer(const Model& model, const std::string& layer) {
    const LayerInfo* info = model.find(layer);
    if (!info || !info->spatial() || info->name == "input") {
        std::string list;
        for (const auto& n : model.spatialLayerNames()) list += (list.empty() ? "" : ", ") + n;
        return Error{"--layer '" + layer + "' is not a layer with a (C,H,W) map before the classifier head (" +
                     (info ? "it is part of the head or has no map" : "no such layer") + "); choose one of: " + list};
    }
    if (const std::string fused = fusedConvReluOutput(model, info->name); !fused.empty())
        return Error{"--layer '" + layer + "' is a convolution that runs fused with its ReLU, so its own output is not kept; "
                     "take the map after the ReLU: --layer " + fused};
    return {};
}
}  // namespace

Status prepareWhy(const CommonOptions& common, const std::string& labels, int classIndex, const std::string& layer, bool needLayer,
                  WhyModel& out) {
    auto model = loadModel(common, nullptr, /*withHead=*/true);
    if (!model) return Error{model.error()};
    if (!model->hasHead()) return Error{model->headProblem()};
    if (auto p = model->headSizeProblem(); !p.empty()) return Error{p};
    if (classIndex >= model->classCount())
        return Error{"--class " + std::to_string(classIndex) + " is out of range: the model has " + std::to_string(model->classCount()) +
                     " classes (0.." + std::to_string(model->classCount() - 1) + ")"};
    auto names = loadClassLabels(labels, model->classCount());
    if (!names) return Error{names.error()};
    out.names = std::move(*names);
    out.layer = layer.empty() ? lastConvLayer(*model) : layer;
    if (out.layer.empty()) return Error{"model '" + model->source() + "' has no convolution layer: name one with --layer"};
    if (needLayer || !layer.empty())
        if (auto st = checkLayer(*model, out.layer); !st) return st;
    out.model.emplace(std::move(*model));
    return {};
}

std::string classJson(int index, const std::string& label, double probability, double logit) {
    return "{\"index\": " + std::to_string(index) + ", \"label\": \"" + jsonEscape(label) + "\", \"probability\": " +
           jsonNumber(probability, 9) + ", \"logit\": " + jsonNumber(logit, 9) + "}";
}

std::string topJson(const std::vector<ClassScore>& top) {
    std::string s = "[";
    for (size_t i = 0; i < top.size(); ++i) s += (i ? ", " : "") + classJson(top[i].index, top[i].label, top[i].probability, top[i].logit);
    return s + "]";
}

std::string classText(int index, const std::string& label, double probability) {
    return "class " + std::to_string(index) + " " + shownName(label) + cv::format(" p=%.4f", probability);
}

}  // namespace cnnscope::cli
