// Persisted view settings: ~/.config/cnnscope/settings.ini (or $XDG_CONFIG_HOME).
#pragma once

#include "core/view.hpp"

#include <string>

namespace cnnscope::ui {

std::string settingsPath();
ViewState loadSettings(const ViewState& defaults);
void saveSettings(const ViewState& s);

}  // namespace cnnscope::ui
