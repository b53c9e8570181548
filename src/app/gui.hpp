// The live visualizer window: `cnnscope view SOURCE` and `cnnscope` with no arguments.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace cnnscope::app {

// Registers the `view` subcommand; `action` runs it. `defaultAction` opens the window with the
// default source (camera 0, else sample footage) when no subcommand is given.
void registerView(CLI::App& app, std::function<int()>& action, std::function<int()>& defaultAction);

}  // namespace cnnscope::app
