// Headless command-line interface: subcommands that link core + record only, never GLFW.
#pragma once

#include "core/expected.hpp"
#include "core/model.hpp"
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

// Loads the model the options describe; warnings go to stderr prefixed "cnnscope: warning:"
// (unless quiet), and to *warnings when given (the window's message channel).
Expected<Model> loadModel(const CommonOptions& o, std::vector<std::string>* warnings = nullptr);
// The style stage the options ask for, or none without --style.
Expected<std::optional<StyleStage>> loadStyle(const CommonOptions& o, std::vector<std::string>* warnings = nullptr);
// Stylises `frame` in place when a style stage is set.
Status stylise(std::optional<StyleStage>& style, cv::Mat& frame);
// "VGG19 [untrained]", or "VGG19 [untrained] on starry_night" with a style stage (label non-empty).
std::string pipelineLabel(const Model& model, const std::string& styleLabel);
std::string pipelineLabel(const Model& model, const std::optional<StyleStage>& style);

// The layer must be one with a (C,H,W) output and `channel` (-1: none asked) one of its channels.
Status requireLayerChannel(const Model& model, const std::string& layer, int channel);

// Prints "cnnscope: error: MSG" to stderr and returns 1.
int fail(const std::string& message);
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
