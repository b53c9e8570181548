// Shared CLI plumbing: common options, model loading with warnings, errors and progress.
#include "cli/cli.hpp"

#include "core/render/colormap.hpp"
#include "core/render/normalize.hpp"
#include "core/base/parse.hpp"
#include "fetch/download.hpp"

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
    cmd.add_flag("--untrained", o.untrained, "Use VGG19 with seeded He-initialised weights (no download needed; not with --model)")->group("Model");
    cmd.add_option("--input-size", o.inputSize, "Network input size WxH (default: the model's, 224x224 for VGG19)")->group("Model");
    cmd.add_option("--target", o.target, "Compute target: " + targetNames() + " (falls back to cpu when not offered)")
        ->default_val("cpu")
        ->group("Model");
    cmd.add_option("--backend", o.target, "Alias of --target, kept for old scripts")->group("Model");
    addConvOption(cmd, o.conv);
    addPrecisionOption(cmd, o.precision);
    cmd.add_flag("-q,--quiet", o.quiet, "No progress or warnings on stderr");
}

void addConvOption(CLI::App& cmd, std::string& conv) {
    cmd.add_option("--conv", conv,
                   "CPU convolution kernel: auto (oneDNN Winograd for 3x3 stride-1 layers with 16+ input channels, oneDNN "
                   "direct otherwise), winograd, direct (oneDNN), opencv (OpenCV's own). Layers oneDNN does not take "
                   "(groups, dilation, asymmetric pads) always run OpenCV's" +
                       std::string(oneDnnBuilt() ? "" : "; this build has no oneDNN: every mode runs OpenCV's"))
        ->default_val("auto")
        ->group("Model");
}

void addPrecisionOption(CLI::App& cmd, std::string& precision) {
    cmd.add_option("--precision", precision,
                   "CPU executor precision: auto (bf16 on CPUs with AMX-BF16 for pictures and the window; f32 elsewhere "
                   "and for exported numbers: .npy, JSON), f32, bf16 (on a CPU without bf16 units runs f32 and says so). "
                   "Default $CNNSCOPE_PRECISION, else auto")
        ->check(CLI::IsMember({"auto", "f32", "bf16"}, CLI::ignore_case))
        ->group("Model");
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

void addCaptionOption(CLI::App& cmd, std::string& caption, const std::string& def, const std::string& what,
                      const std::string& levels) {
    cmd.add_option("--caption", caption,
                   "Caption below " + what + ": none (the bare picture), " +
                       (levels.empty() ? "short (model | layer | channels | frame) or full (also colormap | normalize | gamma)" : levels) +
                       "; a bare --caption is full")
        ->default_val(def)
        ->check(CLI::IsMember({"none", "short", "full"}))
        ->group("Display");
}

void addStyleOptions(CLI::App& cmd, CommonOptions& o, bool required) {
    auto* opt = cmd.add_option("--style", o.style,
                               "Style network run on each frame before the model sees it: a fast-neural-style .t7 or .onnx file, "
                               "or a name from models/models.yml (starry_night, feathers, mosaic_onnx; get them with "
                               "cnnscope fetch --styles)")
                    ->group("Style");
    if (required) opt->required();
    cmd.add_option("--style-size", o.styleSize,
                   "Size the style network runs at, WxH (default: the network's fixed size, else the frame scaled to 320 wide)")
        ->group("Style");
}

Progress::Progress(std::string what, int64_t total, bool quiet)
    : m_what(std::move(what)),
      m_total(total),
      m_quiet(quiet),
      m_tty(::isatty(STDERR_FILENO) != 0),
      m_start(std::chrono::steady_clock::now()) {}

void Progress::show(const std::string& line, bool last) {
    if (m_quiet || !m_tty) return;
    // At most ~10 redraws a second: a fast loop must not spend its time on the terminal.
    const auto now = std::chrono::steady_clock::now();
    if (!last && m_shown && now - m_lastShown < std::chrono::milliseconds(100)) return;
    m_lastShown = now;
    m_shown = true;
    std::fprintf(stderr, "\r%s: %s\033[K", m_what.c_str(), line.c_str());
    std::fflush(stderr);
}

void Progress::step(int64_t done, const std::string& detail) {
    if (m_quiet || !m_tty) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double rate = elapsed > 0 ? double(done) / elapsed : 0;
    std::string line = std::to_string(done) + "/" + (m_total > 0 ? std::to_string(m_total) : std::string("?"));
    if (elapsed > 0.5 && rate > 0) {
        line += cv::format("  %.1f/s", rate);
        if (m_total > done) line += "  " + formatDuration(double(m_total - done) / rate) + " left";
    }
    if (!detail.empty()) line += "  " + detail;
    show(line, m_total > 0 && done >= m_total);
}

void Progress::bytes(int64_t done, int64_t total, double bytesPerSecond, double secondsLeft, const std::string& detail) {
    if (m_quiet || !m_tty) return;
    std::string line = formatBytes(done);
    if (total > 0) line += cv::format(" / %s (%d%%)", formatBytes(total).c_str(), int(100 * done / total));
    if (bytesPerSecond > 0) line += "  " + formatBytes(int64_t(bytesPerSecond)) + "/s";
    if (secondsLeft >= 0) line += "  " + formatDuration(secondsLeft) + " left";
    if (!detail.empty()) line += "  " + detail;
    show(line, total > 0 && done >= total);
}

void Progress::clear() {
    if (m_quiet || !m_tty || !m_shown) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    m_shown = false;
}

void Progress::done(const std::string& summary) {
    if (m_quiet) return;
    std::fprintf(stderr, m_tty && m_shown ? "\r%s: %s\033[K\n" : "%s: %s\n", m_what.c_str(), summary.c_str());
}

}  // namespace cnnscope::cli
