// Headless command-line interface: subcommands that link core + record only, never GLFW.
#pragma once

#include "core/base/expected.hpp"
#include "core/model/model.hpp"
#include "core/io/output_guard.hpp"
#include "core/model/style.hpp"
#include "session/session.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace cnnscope::cli {

// The session layer's types and functions, as the commands have always named them.
using session::applyConvOption;
using session::applyPrecisionOption;
using session::CommonOptions;
using session::Display;
using session::parseDisplay;
using session::readSourceFrame;
using session::readStylisedFrame;
using session::shapeText;
using session::viewSpec;
using session::loadModel;
using session::loadStyle;
using session::pipelineLabel;
using session::requireLayerChannel;
using session::stylise;
using session::oneLine;
using session::warn;
using session::fail;
using session::checkRunOutputs;

void addModelOptions(CLI::App& cmd, CommonOptions& o);
void addDisplayOptions(CLI::App& cmd, CommonOptions& o);
// --conv alone (addModelOptions adds it too), for commands without the model options.
void addConvOption(CLI::App& cmd, std::string& conv);
void addPrecisionOption(CLI::App& cmd, std::string& precision);
// --style and --style-size; `required` for commands that need a style network.
void addStyleOptions(CLI::App& cmd, CommonOptions& o, bool required = false);

// Adds the range of OPT from the one table of numeric option ranges (option_ranges.cpp), for
// `command` where its meaning differs; NaN, infinities and out-of-range values are parse errors.
CLI::Option* ranged(CLI::Option* opt, const std::string& command = {});
// ranged() on every option of every subcommand registered so far (main calls it once, after the
// window's `view` is registered, so the window's options get the same ranges).
void applyRanges(CLI::App& app);

// The vocabulary pass (vocabulary.cpp), run by applyRanges: the old option names kept as aliases
// (one table), --help printing each range once in the description and an alias as "Alias of
// --x, kept for old scripts".
void applyVocabulary(CLI::App& app);
// The range ranged() gave OPT, for --help and `cnnscope options` ("20..60000").
void noteRange(const CLI::Option* opt, const std::string& text);
// Validators print nothing of their own in --help (the range is printed once, from the table).
void quietAllValidators(CLI::App& app);
// `options`: every option of every command as a table (--markdown: the README's).
void registerOptions(CLI::App& app, std::function<int()>& action);
// Parses the command line; a value when main should exit with it (help, version, usage error:
// one line naming the unexpected arguments in the user's order). Options without a command are
// the window's (`cnnscope --layer X` = `cnnscope view --layer X`); a bare --caption is --caption full.
std::optional<int> parseArguments(CLI::App& app, int argc, char** argv);

// --frame: one description in every command.
constexpr const char* kFrameHelp = "Frame of a video to use, counted from 0 (an image or camera gives its one frame at 0)";

// --tiles: the same default in every command (the range is the table's, 1..32).
constexpr int kDefaultTiles = 8;

// --caption none|short|full on an image output, `def` by default.
// `levels`: what short and full show, where they differ from a map's.
void addCaptionOption(CLI::App& cmd, std::string& caption, const std::string& def, const std::string& what,
                      const std::string& levels = {});

// Progress on a terminal: one stderr line that rewrites itself with the count, the rate and the
// time left (from the rate so far). Silent when stderr is not a terminal or with -q; done()'s
// summary line is printed either way unless quiet.
class Progress {
public:
    Progress(std::string what, int64_t total, bool quiet);
    // A total found out later (0: unknown, shown as "N/?" without a time left).
    void setTotal(int64_t total) { m_total = total; }
    void step(int64_t done, const std::string& detail = {});
    // Byte transfers: "12.3 MB/80.1 MB  2.1 MB/s  0:32 left" (total < 0: unknown).
    void bytes(int64_t done, int64_t total, double bytesPerSecond, double secondsLeft, const std::string& detail = {});
    void done(const std::string& summary);
    // Erases the progress line (before printing something else to the terminal).
    void clear();
    bool tty() const { return m_tty; }

private:
    void show(const std::string& line, bool last);
    std::string m_what;
    int64_t m_total;
    bool m_quiet, m_tty;
    std::chrono::steady_clock::time_point m_start, m_lastShown;
    bool m_shown = false;
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
// `atlas` (atlas_cmd.cpp), called by registerCommands.
void registerAtlas(CLI::App& app, std::function<int()>& action);
// `compare-models` (compare_models_cmd.cpp), called by registerCommands.
void registerCompareModels(CLI::App& app, std::function<int()>& action);
// `topk` (topk_cmd.cpp), called by registerCommands.
void registerTopk(CLI::App& app, std::function<int()>& action);
// `backprop` (backprop_cmd.cpp) and `transfer` (transfer_cmd.cpp), called by registerCommands.
void registerBackprop(CLI::App& app, std::function<int()>& action);
void registerTransfer(CLI::App& app, std::function<int()>& action);
// `featvis` and `featvis merge` (featvis_cmd.cpp), called by registerCommands.
void registerFeatvis(CLI::App& app, std::function<int()>& action);
// `fetch` (fetch_cmd.cpp), called by registerCommands.
void registerFetch(CLI::App& app, std::function<int()>& action);
// `classify` (classify_cmd.cpp), called by registerCommands.
void registerClassify(CLI::App& app, std::function<int()>& action);
// `channels` (channels_cmd.cpp): per-channel statistics of a layer over a source's frames.
void registerChannels(CLI::App& app, std::function<int()>& action);
// `cam` (cam_cmd.cpp), called by registerCommands.
void registerCam(CLI::App& app, std::function<int()>& action);
// `attribute` (attribute_cmd.cpp), called by registerCommands.
void registerAttribute(CLI::App& app, std::function<int()>& action);

}  // namespace cnnscope::cli
