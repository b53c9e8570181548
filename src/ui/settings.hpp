// Persisted view settings: ~/.config/cnnscope/settings.ini (or $XDG_CONFIG_HOME).
#pragma once

#include "core/base/expected.hpp"
#include "core/render/view.hpp"

#include <string>
#include <vector>

namespace cnnscope::ui {

std::string settingsPath();

struct LoadedSettings {
    ViewState view;                     // defaults overlaid with the file's valid values
    std::vector<std::string> problems;  // an unreadable file or bad values, one line each
    // False when the file could not be read or held bad values: it is then left as the user
    // left it, never overwritten on exit.
    bool writable = true;
};
// Missing file: the defaults, no problems.
LoadedSettings loadSettings(const ViewState& defaults);
Status saveSettings(const ViewState& s);

}  // namespace cnnscope::ui
