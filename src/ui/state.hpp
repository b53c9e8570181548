// The panel's interface (what it shows, what it asks for) and the persisted view settings.
// The view itself is core/view.hpp's ViewState: GL-free.
#pragma once

#include "core/colormap.hpp"
#include "core/normalize.hpp"
#include "core/view.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnscope::ui {

// ~/.config/cnnscope/settings.ini (or $XDG_CONFIG_HOME). Missing or bad values keep defaults.
std::string settingsPath();
ViewState loadSettings(const ViewState& defaults);
void saveSettings(const ViewState& s);

// What the panel asks the app to do this frame.
struct PanelActions {
    bool openSource = false;
    bool screenshot = false;
    bool quit = false;
    bool layerChanged = false;
    bool normChanged = false;
    bool loadModel = false;       // PanelInputs::modelText
    bool toggleRecord = false;
    bool sweepChannels = false;   // GIF through every channel of the layer on screen
    bool sweepLayers = false;     // GIF through every layer at the selected channel index
    bool loadStyle = false;       // PanelInputs::styleText
    bool styleOff = false;
    bool compareChanged = false;
    std::string target;           // non-empty: switch to this target
    cv::Size inputSize;           // non-zero: switch to this input size
};

// Read-only facts the panel shows.
struct PanelInfo {
    std::string modelLabel, modelSource, target, targetNote, sourceDescription, sourceNote, error;
    bool untrained = false, live = false, still = false, paused = false, loop = true;
    double speed = 1.0;
    int64_t frameIndex = 0;
    int channels = 0;
    cv::Size inputSize;
    double captureFps = 0, inferFps = 0, inferMs = 0, renderFps = 0, latencyP50 = 0, latencyP95 = 0, rssMb = 0;
    uint64_t dropped = 0, inferences = 0;
    std::vector<std::string> layerNames, layerShapes;
    std::vector<int> layerRf;
    std::vector<std::string> targets;
    bool recording = false;
    std::string recordTarget, recordStatus, sweepStatus;
    // Style stage
    std::string styleLabel, styleSource;      // empty: off
    cv::Size styleSize;
    double styleMs = 0, gramDistance = -1;
    std::vector<std::string> styleNames;      // models.yml style entries
    std::vector<bool> styleHave;              // whose file is present
};

// Recording sizes offered in the panel.
inline const cv::Size kRecordSizes[] = {{320, 240}, {640, 480}, {800, 600}, {1024, 768}, {1280, 720}};
constexpr int kRecordSizeCount = 5;

struct PanelInputs {
    std::string sourceText;
    std::string modelText;        // path or models.yml name; empty: the default search
    std::string styleText;        // style network: path or models.yml name
    std::string recordPath;       // empty: cnnscope-DATE-TIME.gif in the current directory
    int recordSize = 1;           // index into kRecordSizes
    float recordFps = 10.f;
    bool recordColorbar = false;
    bool pauseToggled = false, stepRequested = false, loopToggled = false;
    int64_t seekTo = -1;
    double speed = 1.0;
};

// One row of the help overlay: keys and what they do (app/keys.cpp's table makes them).
struct HelpRow {
    std::string keys, help;
};

// Draws the control panel at the window's left; returns what the user asked for.
PanelActions drawPanel(ViewState& view, PanelInputs& in, const PanelInfo& info, float width, float height);
void drawHelp(bool* open, const std::vector<HelpRow>& rows);

}  // namespace cnnscope::ui
