// Shared CLI plumbing: common options, model loading with warnings, errors and progress.
#include "cli/cli.hpp"

#include "core/colormap.hpp"
#include "core/normalize.hpp"
#include "core/parse.hpp"

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace cnnscope::cli {

void addModelOptions(CLI::App& cmd, CommonOptions& o) {
    cmd.add_option("--model", o.model,
                   "Weights file (Keras .h5, ONNX, Caffe .caffemodel, TF .pb, Torch .t7, Darknet .weights) or a name from "
                   "models/models.yml. Default: $CNNSCOPE_MODEL, then models/, then ~/.keras/models/, else an untrained VGG19")
        ->group("Model");
    cmd.add_option("--config", o.config, "Second model file (Caffe .prototxt, Darknet .cfg) when not found next to the weights")
        ->group("Model");
    cmd.add_flag("--untrained", o.untrained, "Use VGG19 with seeded He-initialised weights (no download needed)")->group("Model");
    cmd.add_option("--input-size", o.inputSize, "Network input size WxH (default: the model's, 224x224 for VGG19)")->group("Model");
    cmd.add_option("--target", o.target, "Compute target: " + targetNames() + " (falls back to cpu when not offered)")
        ->default_val("cpu")
        ->group("Model");
    cmd.add_option("--backend", o.target, "Alias of --target")->group("Model");
    cmd.add_flag("-q,--quiet", o.quiet, "No progress or warnings on stderr");
}

void addDisplayOptions(CLI::App& cmd, CommonOptions& o) {
    std::string maps;
    for (const auto& n : colormapNames()) maps += (maps.empty() ? "" : ", ") + n;
    cmd.add_option("--colormap", o.colormap, "Colormap: " + maps)->default_val("hot")->group("Display");
    cmd.add_option("--normalize", o.normalize, "Normalisation: " + normalizationHelp())->default_val("channel")->group("Display");
    cmd.add_option("--gamma", o.gamma, "Gamma applied after normalisation (t^gamma; < 1 brightens weak activations)")
        ->default_val(1.0f)
        ->group("Display");
}

void addStyleOptions(CLI::App& cmd, CommonOptions& o, bool required) {
    auto* opt = cmd.add_option("--style", o.style,
                               "Style network run on each frame before the model sees it: a fast-neural-style .t7 or .onnx file, "
                               "or a name from models/models.yml (starry_night, feathers, mosaic_onnx; get them with "
                               "models/fetch_models.sh --styles)")
                    ->group("Style");
    if (required) opt->required();
    cmd.add_option("--style-size", o.styleSize,
                   "Size the style network runs at, WxH (default: the network's fixed size, else the frame scaled to 320 wide)")
        ->group("Style");
}

Expected<std::optional<StyleStage>> loadStyle(const CommonOptions& o) {
    if (o.style.empty()) {
        if (!o.styleSize.empty()) return Error{"--style-size needs --style"};
        return std::optional<StyleStage>{};
    }
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
    return styleLabel.empty() ? model.label() : model.label() + " on " + styleLabel;
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

Status checkRunOutputs(const CommonOptions& o, const std::string& source, const std::vector<OutputPath>& outputs,
                       const Model* model, const StyleStage* style) {
    std::vector<InputPath> inputs = {{"SOURCE", source}, {"--model", o.model}, {"--config", o.config}, {"--style", o.style}};
    if (model) inputs.push_back({"--model", model->source()});
    if (style) inputs.push_back({"--style", style->source()});
    return checkOutputs(inputs, outputs);
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

int fail(const std::string& message) {
    std::cerr << "cnnscope: error: " << oneLine(message) << std::endl;
    return 1;
}

void warn(const std::string& message) { std::cerr << "cnnscope: warning: " << oneLine(message) << std::endl; }

Expected<Model> loadModel(const CommonOptions& o) {
    ModelOptions mo;
    mo.model = o.model;
    mo.config = o.config;
    mo.untrained = o.untrained;
    mo.target = o.target;
    if (!o.inputSize.empty()) {
        auto size = parseSize(o.inputSize, kMinInputSide, kMaxInputSide);
        if (!size) return Error{"--input-size: " + size.error()};
        mo.inputSize = *size;
    }
    std::vector<std::string> warnings;
    auto model = Model::load(mo, &warnings);
    if (model && !o.quiet)
        for (const auto& w : warnings) warn(w);
    return model;
}

Progress::Progress(std::string what, int total, bool quiet)
    : m_what(std::move(what)), m_total(total), m_quiet(quiet), m_tty(::isatty(STDERR_FILENO) != 0) {}

void Progress::step(int done, const std::string& detail) {
    if (m_quiet) return;
    // With an unknown total (a live source), "N/?" lines.
    const std::string total = m_total > 0 ? std::to_string(m_total) : "?";
    if (m_tty) {
        std::fprintf(stderr, "\r%s: %d/%s %s\033[K", m_what.c_str(), done, total.c_str(), detail.c_str());
    } else if (done == m_total || m_total <= 20 || done % std::max(1, m_total / 10) == 0) {
        std::fprintf(stderr, "%s: %d/%s %s\n", m_what.c_str(), done, total.c_str(), detail.c_str());
    }
    std::fflush(stderr);
}

void Progress::done(const std::string& summary) {
    if (m_quiet) return;
    std::fprintf(stderr, m_tty ? "\r%s: %s\033[K\n" : "%s: %s\n", m_what.c_str(), summary.c_str());
}

}  // namespace cnnscope::cli
