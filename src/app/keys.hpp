// The window's one key table: key, --keys name, help text and action. Key handling, the help
// overlay, `--keys` parsing and its error text all read it.
#pragma once

#include "core/base/expected.hpp"
#include "ui/panel.hpp"

#include <optional>
#include <string>
#include <vector>

namespace cnnscope::app {

enum class KeyAction {
    NextChannel, PrevChannel, NextRow, PrevRow, NextLayer, PrevLayer, TogglePause, ToggleGrid, ToggleOverlay,
    ToggleCompare, ToggleAtlas, Screenshot, SaveBareMaps, ToggleRecord, ToggleHelp, Quit,
    HistoryBack, HistoryForward,
    CycleConv,     // scripted: next convolution kernel (auto, winograd, direct, opencv)
    Download,      // scripted: start the trained-weights download (the untrained banner's button)
    Idle,  // scripted pseudo-key: wait until the view is computed (and a download has finished)
    WaitFrame,  // scripted pseudo-key: wait for the next new frame (the history grows by one)
    HistoryMark, HistoryGif,  // scripted: the timeline's Mark and "GIF mark..here" buttons
    SetInputSize, LoadModel, SetTarget,  // scripted, with an argument (input=WxH, model=FILE, target=NAME): the panel's model section
    SetPrecision,                        // scripted precision=auto|f32|bf16: the panel's precision combo
    // Scripted NAME=VALUE that a view's panel section owns: why=METHOD|off, class=K|top,
    // ablate=C:C:A-B|none (the Why section), featvis=on|off|sheet|nosheet|N (the Unit section's
    // feature visualisation), channels=on|off|SORT|hideconst|showconst (the Channels section). Its
    // argument is the whole "name=value"; the view whose name it is answers (View::onScriptArgument).
    ViewSetting,
    DownloadEntry,                       // scripted download=ENTRY: a models.yml entry's download (the Why section's with-top button)
};

struct KeyBinding {
    int key;             // GLFW key code; 0 for a help-only row (a mouse gesture)
    const char* name;    // what --keys takes; nullptr: not scriptable
    KeyAction action;
    const char* label;   // the help overlay's key column (rows with equal label and help show once)
    const char* help;
};

const std::vector<KeyBinding>& keyTable();
// The action bound to a GLFW key, if any. While a text field has the keyboard (`typing`) only
// Esc acts.
std::optional<KeyAction> actionForKey(int key, bool typing = false);
// "right,right,pagedown,idle" -> actions; an unknown name is an error listing the known ones.
// Names that end in '=' take an argument ("input=320x240"), appended in order to *args.
Expected<std::vector<KeyAction>> parseKeyList(const std::string& list, std::vector<std::string>* args = nullptr);
// The help overlay's rows, in table order, one per distinct (label, help).
std::vector<ui::HelpRow> helpRows();

}  // namespace cnnscope::app
