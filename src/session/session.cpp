// The session layer shared by the window and the headless commands: model and style loading
// with their warnings, the style step, the pipeline label and the layer/channel check.
#include "session/session.hpp"

#include "core/model/conv_mode.hpp"
#include "core/model/precision.hpp"
#include "core/base/parse.hpp"
#include "core/pipeline/source.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace cnnscope::session {

Status applyConvOption(const std::string& conv) {
    auto mode = parseConvMode(conv);
    if (!mode) return Error{"--conv: " + mode.error()};
    setConvMode(*mode);
    return {};
}

Status applyPrecisionOption(const std::string& precision) {
    const char* env = std::getenv("CNNSCOPE_PRECISION");
    const std::string value = !precision.empty() ? precision : env && *env ? env : "auto";  // empty: unset
    auto p = parsePrecision(value);
    if (!p) return Error{std::string(precision.empty() ? "CNNSCOPE_PRECISION" : "--precision") + ": " + p.error()};
    setPrecision(*p);
    return {};
}

Expected<std::optional<StyleStage>> loadStyle(const CommonOptions& o, std::vector<std::string>* out) {
    if (o.style.empty()) {
        if (!o.styleSize.empty()) return Error{"--style-size needs --style"};
        return std::optional<StyleStage>{};
    }
    if (auto st = applyConvOption(o.conv); !st) return Error{st.error()};
    if (auto st = applyPrecisionOption(o.precision); !st) return Error{st.error()};
    StyleOptions so;
    so.style = o.style;
    so.target = o.target;
    if (!o.styleSize.empty()) {
        auto size = parseSize(o.styleSize, 16, 4096);
        if (!size) return Error{"--style-size: " + size.error()};
        so.workSize = *size;
    }
    std::vector<std::string> warnings;
    auto stage = StyleStage::load(so, &warnings);
    if (!stage) return Error{stage.error()};
    if (!o.quiet)
        for (const auto& w : warnings) warn(w);
    if (out) out->insert(out->end(), warnings.begin(), warnings.end());
    return std::optional<StyleStage>(std::move(*stage));
}

Status stylise(std::optional<StyleStage>& style, cv::Mat& frame) {
    if (!style) return {};
    cv::Mat out;
    if (auto st = style->apply(frame, out); !st) return st;
    frame = out;
    return {};
}

std::string pipelineLabel(const Model& model, const std::string& styleLabel) {
    // Captions name a target other than the cpu and its device: "VGG19 [opencl on NAME (PLATFORM, GPU)]",
    // and bf16 where the cpu executor runs it ("VGG19 [bf16]"; f32 is not named).
    const bool bf16 = model.target().actual == "cpu" && model.precisionChoice().actual == Precision::BF16 && oneDnnBuilt() &&
                      convMode() != ConvMode::OpenCV;
    const std::string label = model.target().actual == "cpu" ? model.label() + (bf16 ? " [bf16]" : "")
                                                             : model.label() + " [" + targetLabel(model.target()) + "]";
    return styleLabel.empty() ? label : label + " on " + styleLabel;
}

std::string pipelineLabel(const Model& model, const std::optional<StyleStage>& style) {
    return pipelineLabel(model, style ? style->label() : std::string());
}

Status requireLayerChannel(const Model& model, const std::string& layer, int channel) {
    auto l = model.requireSpatialLayer(layer);
    if (!l) return Error{l.error()};
    const int C = (*l)->channels();
    if (channel >= C)
        return Error{"--channel " + std::to_string(channel) + " is out of range: " + layer + " has " + std::to_string(C) +
                     " channels (0.." + std::to_string(C - 1) + ")"};
    return {};
}

std::string oneLine(const std::string& message) {
    std::string s;
    bool space = false;
    for (char c : message) {
        if (c == '\n' || c == '\r' || c == '\t') {
            space = !s.empty();
            continue;
        }
        if (space && c != ' ') s += ' ';
        space = false;
        s += c;
    }
    return s.empty() ? "unknown error" : s;
}

void warn(const std::string& message) { std::cerr << "cnnscope: warning: " << oneLine(message) << std::endl; }

int fail(const std::string& message) {
    std::cerr << "cnnscope: error: " << oneLine(message) << std::endl;
    return 1;
}

Status checkRunOutputs(const CommonOptions& o, const std::string& source, const std::vector<OutputPath>& outputs,
                       const Model* model, const StyleStage* style, const std::vector<InputPath>& extra) {
    std::vector<InputPath> inputs = {{"SOURCE", source}, {"--model", o.model}, {"--config", o.config}, {"--style", o.style}};
    inputs.insert(inputs.end(), extra.begin(), extra.end());
    if (model) inputs.push_back({"--model", model->source()});
    if (style) inputs.push_back({"--style", style->source()});
    return checkOutputs(inputs, outputs);
}

Status checkRunOutputs(const CommonOptions& o, const std::string& source, const std::vector<OutputPath>& outputs,
                       const Model& model, const std::optional<StyleStage>& style, const std::vector<InputPath>& extra) {
    return checkRunOutputs(o, source, outputs, &model, style ? &*style : nullptr, extra);
}

Expected<Model> loadModel(const CommonOptions& o, std::vector<std::string>* out, bool withHead) {
    if (auto st = applyConvOption(o.conv); !st) return Error{st.error()};
    if (auto st = applyPrecisionOption(o.precision); !st) return Error{st.error()};
    ModelOptions mo;
    mo.model = o.model;
    mo.config = o.config;
    mo.untrained = o.untrained;
    mo.target = o.target;
    mo.head = withHead;
    if (!o.inputSize.empty()) {
        auto size = parseSize(o.inputSize, kMinInputSide, kMaxInputSide);
        if (!size) return Error{"--input-size: " + size.error()};
        mo.inputSize = *size;
    }
    std::vector<std::string> warnings;
    auto model = Model::load(mo, &warnings);
    if (model && !o.quiet)
        for (const auto& w : warnings) warn(w);
    if (model && out) out->insert(out->end(), warnings.begin(), warnings.end());
    return model;
}

Expected<Display> parseDisplay(const CommonOptions& o) {
    auto n = parseNormalization(o.normalize, o.gamma);
    if (!n) return Error{"--normalize: " + n.error()};
    auto c = parseColormap(o.colormap);
    if (!c) return Error{"--colormap: " + c.error()};
    return Display{*n, *c};
}

ViewSpec viewSpec(int channel, int tiles, const Display& display) {
    ViewSpec v;
    v.grid = channel < 0;
    v.channel = std::max(0, channel);
    v.tiles = tiles;
    v.colormap = display.colormap;
    v.norm = display.norm;
    return v;
}

Status readSourceFrame(const std::string& source, int64_t index, cv::Mat& frame) {
    auto src = FrameSource::open(source);
    if (!src) return Error{src.error()};
    return (*src)->readFrame(index, frame);
}

Status readStylisedFrame(const std::string& source, int64_t index, std::optional<StyleStage>& style, cv::Mat& frame) {
    if (auto st = readSourceFrame(source, index, frame); !st) return st;
    return stylise(style, frame);
}

std::string shapeText(const std::vector<int>& shape, const std::string& separator) {
    const bool tuple = separator == ", ";
    std::string t = tuple ? "(" : "";
    for (size_t i = 0; i < shape.size(); ++i) t += (i ? separator : "") + std::to_string(shape[i]);
    return tuple ? t + ")" : t;
}

CommonOptions secondModelOptions(const CommonOptions& base, const std::string& spec) {
    CommonOptions o = base;
    const bool untrained = lower(spec) == "untrained";
    o.model = untrained ? std::string() : spec;
    o.untrained = untrained;
    o.config.clear();
    o.style.clear();
    o.styleSize.clear();
    return o;
}

}  // namespace cnnscope::session
