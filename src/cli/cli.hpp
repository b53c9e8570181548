// Headless command-line interface: subcommands that link core + record only, never GLFW.
#pragma once

#include "core/expected.hpp"
#include "core/model.hpp"
#include "core/style.hpp"
#include "session/session.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

namespace cnnscope::cli {

// The session layer's types and functions, as the commands have always named them.
using session::CommonOptions;
using session::loadModel;
using session::loadStyle;
using session::pipelineLabel;
using session::requireLayerChannel;
using session::stylise;
using session::warn;

void addModelOptions(CLI::App& cmd, CommonOptions& o);
void addDisplayOptions(CLI::App& cmd, CommonOptions& o);
// --style and --style-size; `required` for commands that need a style network.
void addStyleOptions(CLI::App& cmd, CommonOptions& o, bool required = false);

// Prints "cnnscope: error: MSG" to stderr and returns 1.
int fail(const std::string& message);

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
