// The key table and what reads it.
#include "app/keys.hpp"

#include "core/base/parse.hpp"

#include <GLFW/glfw3.h>

#include <cstring>
#include <sstream>

namespace cnnscope::app {

const std::vector<KeyBinding>& keyTable() {
    static const std::vector<KeyBinding> table = {
        {GLFW_KEY_LEFT, "left", KeyAction::PrevChannel, "Left / Right", "previous / next channel"},
        {GLFW_KEY_RIGHT, "right", KeyAction::NextChannel, "Left / Right", "previous / next channel"},
        {GLFW_KEY_UP, "up", KeyAction::PrevRow, "Up / Down", "channel -/+ one grid row"},
        {GLFW_KEY_DOWN, "down", KeyAction::NextRow, "Up / Down", "channel -/+ one grid row"},
        {GLFW_KEY_PAGE_UP, "pageup", KeyAction::PrevLayer, "Page Up / Page Down", "previous / next layer"},
        {GLFW_KEY_PAGE_DOWN, "pagedown", KeyAction::NextLayer, "Page Up / Page Down", "previous / next layer"},
        {GLFW_KEY_SPACE, "space", KeyAction::TogglePause, "Space", "pause / play"},
        {GLFW_KEY_G, "g", KeyAction::ToggleGrid, "g", "grid / single channel"},
        {GLFW_KEY_O, "o", KeyAction::ToggleOverlay, "o", "overlay on the input frame"},
        {GLFW_KEY_C, "c", KeyAction::ToggleCompare, "c", "compare original | stylised (with a style)"},
        {GLFW_KEY_A, "a", KeyAction::ToggleAtlas, "a", "atlas: every conv channel at once (wheel zoom, drag pan, click a tile)"},
        {GLFW_KEY_COMMA, "comma", KeyAction::HistoryBack, ", / .", "history: one frame back / forward (pauses; Space: live)"},
        {GLFW_KEY_PERIOD, "period", KeyAction::HistoryForward, ", / .", "history: one frame back / forward (pauses; Space: live)"},
        {GLFW_KEY_S, "s", KeyAction::Screenshot, "s", "screenshot of the view (PNG)"},
        {GLFW_KEY_B, "b", KeyAction::SaveBareMaps, "b", "save the bare maps: LAYER.npy, the channel's PNG, the frame's PNG (a new folder)"},
        {GLFW_KEY_R, "r", KeyAction::ToggleRecord, "r", "start / stop recording"},
        {GLFW_KEY_H, "h", KeyAction::ToggleHelp, "h", "this help"},
        {GLFW_KEY_Q, "q", KeyAction::Quit, "q / Esc", "quit"},
        {GLFW_KEY_ESCAPE, "esc", KeyAction::Quit, "q / Esc", "quit"},
        {0, nullptr, KeyAction::Idle, "click a tile", "show that channel"},
        {0, "idle", KeyAction::Idle, nullptr, nullptr},
        {0, "frame", KeyAction::WaitFrame, nullptr, nullptr},
        {0, "conv", KeyAction::CycleConv, nullptr, nullptr},
        {0, "download", KeyAction::Download, nullptr, nullptr},
        {0, "download=", KeyAction::DownloadEntry, nullptr, nullptr},
        {0, "mark", KeyAction::HistoryMark, nullptr, nullptr},
        {0, "historygif", KeyAction::HistoryGif, nullptr, nullptr},
        {0, "input=", KeyAction::SetInputSize, nullptr, nullptr},
        {0, "model=", KeyAction::LoadModel, nullptr, nullptr},
        {0, "target=", KeyAction::SetTarget, nullptr, nullptr},
        {0, "precision=", KeyAction::SetPrecision, nullptr, nullptr},
        {0, "why=", KeyAction::ViewSetting, nullptr, nullptr},
        {0, "class=", KeyAction::ViewSetting, nullptr, nullptr},
        {0, "ablate=", KeyAction::ViewSetting, nullptr, nullptr},
        {0, "featvis=", KeyAction::ViewSetting, nullptr, nullptr},
        {0, "channels=", KeyAction::ViewSetting, nullptr, nullptr},
    };
    return table;
}

std::optional<KeyAction> actionForKey(int key, bool typing) {
    if (typing && key != GLFW_KEY_ESCAPE) return std::nullopt;
    for (const KeyBinding& b : keyTable())
        if (b.key != 0 && b.key == key) return b.action;
    return std::nullopt;
}

Expected<std::vector<KeyAction>> parseKeyList(const std::string& list, std::vector<std::string>* args) {
    std::vector<KeyAction> actions;
    std::stringstream in(list);
    for (std::string k; std::getline(in, k, ',');) {
        if (k.empty()) continue;
        const KeyBinding* found = nullptr;
        const size_t eq = k.find('=');
        const std::string name = lower(eq == std::string::npos ? k : k.substr(0, eq + 1));
        for (const KeyBinding& b : keyTable())
            if (b.name && name == b.name) found = &b;
        if (found && eq != std::string::npos) {
            if (eq + 1 == k.size()) return Error{"--keys: '" + k + "' needs a value after '='"};
            if (!args) return Error{"--keys: '" + k + "' takes no value here"};
            // A view's setting keeps its name: the view it belongs to is found by it.
            args->push_back(found->action == KeyAction::ViewSetting ? name + k.substr(eq + 1) : k.substr(eq + 1));
        }
        if (!found) {
            std::string names;
            for (const KeyBinding& b : keyTable())
                if (b.name) names += (names.empty() ? "" : ", ") + std::string(b.name);
            return Error{"--keys: unknown key '" + k + "' (" + names + ")"};
        }
        actions.push_back(found->action);
    }
    return actions;
}

std::vector<ui::HelpRow> helpRows() {
    std::vector<ui::HelpRow> rows;
    for (const KeyBinding& b : keyTable()) {
        if (!b.label) continue;
        if (!rows.empty() && rows.back().keys == b.label && rows.back().help == b.help) continue;
        rows.push_back({b.label, b.help});
    }
    // The mouse, in the maps view and the atlas.
    rows.push_back({"mouse: point", "a map pixel: its value on the status line, its receptive field on the input frame"});
    rows.push_back({"mouse: click", "a grid tile: that channel alone (in the atlas: show that channel)"});
    rows.push_back({"mouse: wheel", "atlas: zoom at the pointer"});
    rows.push_back({"mouse: drag", "atlas: pan"});
    rows.push_back({"panel fields", "hover a field for what it does; Enter applies a typed value"});
    return rows;
}

}  // namespace cnnscope::app
