// Headless command-line interface: subcommands that link core + record only, never GLFW.
#pragma once

#include "core/expected.hpp"
#include "core/model.hpp"
#include "core/output_guard.hpp"
#include "core/style.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

namespace cnnscope::cli {

// Options every model-using command shares.
struct CommonOptions {
    std::string model;
    std::string config;
    bool untrained = false;
    std::string inputSize;   // empty: the model's default (224x224 for VGG19)
    std::string target = "cpu";
    std::string normalize = "channel";
    float gamma = 1.f;
    std::string colormap = "hot";
    bool quiet = false;
    std::string style;       // style network run on each frame first (path or models.yml name)
    std::string styleSize;   // WxH it runs at (default: the network's own, else 320 wide)
};

void addModelOptions(CLI::App& cmd, CommonOptions& o);
void addDisplayOptions(CLI::App& cmd, CommonOptions& o);
// --style and --style-size; `required` for commands that need a style network.
void addStyleOptions(CLI::App& cmd, CommonOptions& o, bool required = false);

// Loads the model the options describe; warnings go to stderr prefixed "cnnscope: warning:".
Expected<Model> loadModel(const CommonOptions& o);
// The style stage the options ask for, or none without --style.
Expected<std::optional<StyleStage>> loadStyle(const CommonOptions& o);
// Stylises `frame` in place when a style stage is set.
Status stylise(std::optional<StyleStage>& style, cv::Mat& frame);
// "VGG19 [untrained]", or "VGG19 [untrained] on starry_night" with a style stage (label non-empty).
std::string pipelineLabel(const Model& model, const std::string& styleLabel);
std::string pipelineLabel(const Model& model, const std::optional<StyleStage>& style);

// The layer must be one with a (C,H,W) output and `channel` (-1: none asked) one of its channels.
Status requireLayerChannel(const Model& model, const std::string& layer, int channel);

// The run's outputs against its inputs: SOURCE, --model, --config, --style and the files a model
// and style network were really loaded from (checkOutputs). Call before anything is written.
Status checkRunOutputs(const CommonOptions& o, const std::string& source, const std::vector<OutputPath>& outputs,
                       const Model* model = nullptr, const StyleStage* style = nullptr);

// Adds the range of OPT from the one table of numeric option ranges (option_ranges.cpp), for
// `command` where its meaning differs; NaN, infinities and out-of-range values are parse errors.
CLI::Option* ranged(CLI::Option* opt, const std::string& command = {});
// ranged() on every option of every subcommand registered so far (main calls it once, after the
// window's `view` is registered, so the window's options get the same ranges).
void applyRanges(CLI::App& app);

// Prints "cnnscope: error: MSG" to stderr (always one line) and returns 1.
int fail(const std::string& message);
// MESSAGE with line breaks folded into spaces (third-party errors span lines).
std::string oneLine(const std::string& message);
void warn(const std::string& message);

// Progress on stderr: a line per step that rewrites itself on a terminal.
class Progress {
public:
    Progress(std::string what, int total, bool quiet);
    void step(int done, const std::string& detail = {});
    void done(const std::string& summary);

private:
    std::string m_what;
    int m_total;
    bool m_quiet, m_tty;
};

// Registers the headless subcommands (layers, dump, grid, sweep, targets). `action` is set to
// the chosen command's body; main() runs it after parsing.
void registerCommands(CLI::App& app, std::function<int()>& action);
// `record` (record_cmd.cpp), called by registerCommands.
void registerRecord(CLI::App& app, std::function<int()>& action);
// `bench` (bench_cmd.cpp), called by registerCommands.
void registerBench(CLI::App& app, std::function<int()>& action);
// `stylize` and `compare` (style_cmd.cpp), called by registerCommands.
void registerStyle(CLI::App& app, std::function<int()>& action);

}  // namespace cnnscope::cli
