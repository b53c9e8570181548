// The window's own state, one struct per concern, each a member of Gui (gui_impl.hpp). Plain data
// with the little logic that belongs to it; the views keep theirs in their own classes.
#pragma once

#include "app/view.hpp"  // CanvasPlan, DrawTarget
#include "core/pipeline/pipeline.hpp"
#include "gfx/screen_layout.hpp"
#include "core/model/style.hpp"
#include "ui/panel.hpp"
#include "ui/settings.hpp"

#include <opencv2/core.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cnnscope::app::detail {

// What the source is and what the window says of it.
struct SourceChoice {
    std::string spec;  // what the pipeline opened (a camera index, a file, a URL)
    std::string note;  // a banner about it ("No camera found: showing sample footage"), or empty
};

// The message channel: the panel's Messages section lists them all; the status line under the
// view shows the newest that is not a warning.
struct MessageLog {
    static constexpr size_t kKept = 50;
    std::vector<ui::Message> all;
    std::string status;
    void add(const std::string& text, ui::Message::Level level) {
        all.push_back({level, text});
        if (all.size() > kKept) all.erase(all.begin());
        if (level != ui::Message::Level::Warning) status = text;
    }
};

// The style network: the stage (also held by the pipeline's inference thread) and the models.yml
// style entries the panel lists, with whether each is on disk.
struct StyleChoice {
    std::shared_ptr<StyleStage> stage;
    std::vector<std::string> names;
    std::vector<bool> have;
};

// This UI frame's canvas: the screen layout, the plan (decideCanvas) and what the window's and the
// last offscreen draw drew where.
struct CanvasFrame {
    gfx::ScreenLayout layout;
    CanvasPlan plan;
    DrawTarget screen, offscreenDrawn;
};

// The pointer over the maps, or --hover X,Y's resting point.
struct HoverState {
    std::optional<cv::Point> at;  // --hover X,Y: the pointer rests there
    int channel = -1;             // the channel under the pointer (or --hover), -1: none
    std::string text;             // its read-out, on the status line
};

// The run itself: scripted or interactive, the saved settings, the frame clock, the exit code.
struct RunState {
    bool scripted = false;                // --frames N
    std::vector<std::string> scriptArgs;  // the values of input=, model= keys, in order
    ui::LoadedSettings settings;
    Clock::time_point nextFrame;
    int exitCode = 0;
};

// What the last saves said, for the panel and the stats JSON.
struct OutputsState {
    std::vector<std::string> savedMaps;  // the last bare save's files
    std::string sweepStatus;             // the last sweep's "saved PATH" or its error
};

}  // namespace cnnscope::app::detail
