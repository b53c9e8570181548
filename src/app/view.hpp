// The window's view contract (as ImHex's View and its content registry). A view owns its state
// (workers, renderers, results, rects, timings) and answers the questions the window asks it; the
// window keeps no member of its type: it holds the registry (app/view_registry) and iterates. The
// window tells a view what it needs in a ViewContext, built for each call, and a view acts on the
// window only through ViewContext::window (WindowActions). A view holds no pointer to the window.
//
// Each UI frame the window asks, in the registry's order:
//   supplyMaps  - does this view's own result replace the pipeline's maps (the style transfer)?
//   onResult    - the pipeline's newest result is on screen
//   tick        - take results, request work (never wait)
//   claim       - what it takes of the canvas: all of it, a column left of the maps, the maps pane
//                 (decided once per UI frame, after the panel's events: CanvasPlan)
//   draw        - into a rectangle, for the window and offscreen targets alike (DrawTarget)
//   overlay     - labels, hover and clicks over the window (ImGui); burnLabels: the same in files
//   panel, banner, legends, captionSuffix, captionFacts - what the panel, banners, colorbar and caption show
//   statsJson   - its key in the scripted run's stats JSON (statsFields: its lines)
//   computing / showing / scriptState - the scripted run's idle and start conditions
// and once: checkOptions and beforeWindow (start-up), initGl / releaseGl (GL objects, while the
// context is current), stop (threads joined at shutdown).
#pragma once

#include "app/jobs.hpp"
#include "app/keys.hpp"
#include "app/legend.hpp"
#include "core/base/expected.hpp"
#include "core/model/style.hpp"
#include "core/pipeline/pipeline.hpp"
#include "core/render/view.hpp"
#include "gfx/activation_renderer.hpp"
#include "gfx/view_layout.hpp"
#include "session/session.hpp"
#include "ui/panel.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct ImDrawList;

namespace cnnscope::app {

namespace detail {
struct ViewOptions;
}
class View;

// The canvas of one UI frame: one view takes it all, or column views beside the maps pane, which
// one view may replace (else the window draws its own maps there).
struct CanvasPlan {
    View* canvas = nullptr;       // takes it all
    std::vector<View*> columns;   // left of the maps
    View* maps = nullptr;         // replaces the maps pane
    bool compare = false;         // `maps` claimed Compare: the columns draw their compare variant
    bool mapsDrawn() const { return !canvas && !maps; }  // the window's own maps pane
};

// Where a view draws: the window (`live`: its rects are kept for the pointer and the overlays) or
// an offscreen target (screenshots, recordings). One per target; the canvas fills it each draw.
struct DrawTarget {
    int fbHeight = 0;
    bool live = false;
    std::vector<gfx::Pane> panes;         // titled panes drawn (labels, the layout check)
    gfx::PixelRect mapsRect, frameRect;   // the maps (hover, clicks, tile numbers); the input frame beside them
    gfx::GridLayout grid;                 // the maps' grid (gridShown: the maps are drawn as a grid)
    bool gridShown = false;
    bool besideFrame = false;             // a frame-shaped pane is beside the maps: a single map takes its shape
    std::string inputTitle = "input frame";  // the input frame pane's title
    void clear(int height, bool isLive) {  // before a draw; the grid stays until a grid is drawn (the caption's range)
        const gfx::GridLayout keep = grid;
        *this = DrawTarget();
        fbHeight = height;
        live = isLive;
        grid = keep;
    }
};

// What a view takes of the canvas. The canvas (ViewRegistry::plan) goes to the first view that
// claims all of it; else the column views stack left of the maps and the first Maps (or Compare)
// claimer replaces the maps pane (else the window's own maps are drawn there). Compare: as Maps,
// and the column views draw their compare variant (ViewContext::comparing).
enum class CanvasClaim { None, Canvas, Column, Maps, Compare };

// The kept frame on screen while the history is scrubbed.
struct KeptFrame {
    bool scrubbing = false;   // a kept frame is on screen (or being computed)
    bool valid = false;       // frame/id/index are set
    cv::Mat frame;
    uint64_t id = 0;
    int64_t index = -1;
    int64_t shownIndex = -1;  // whose maps are on screen
};

// What views may ask of the window (implemented by it; valid during the call).
class WindowActions {
public:
    virtual void post(const std::string& text, ui::Message::Level level) = 0;
    virtual void selectLayer(const std::string& layer) = 0;
    // A view's own maps on screen instead of the pipeline's (the transfer's image and its maps).
    virtual void showMaps(const cv::Mat& act, const std::string& layer, const cv::Mat& frame) = 0;
    virtual void restoreLiveMaps() = 0;  // the pipeline's maps come back
    // What the pipeline runs now, as options a worker loads its own copy from.
    virtual session::CommonOptions workerModelOptions() const = 0;

protected:
    ~WindowActions() = default;
};

// The window's facts for one call.
struct ViewContext {
    ViewState& view;
    ui::PanelInputs& inputs;
    Pipeline& pipeline;
    const uint64_t& generation;     // the pipeline's, bumped by each rebuild (a job result compares with it)
    const InferenceResult& result;  // the newest from the pipeline
    const cv::Mat& act;             // the maps on screen (1,C,H,W), maybe empty
    const std::string& shownLayer;
    uint64_t shownFrameId;
    gfx::ActivationRenderer& maps;  // the maps' renderer (its frame: the input frame)
    const DrawTarget& screen;       // where things are drawn in the window this frame
    KeptFrame kept;
    JobRunner& jobs;
    const session::CommonOptions& common;
    bool scripted;
    const CanvasPlan& plan;         // this UI frame's canvas (ViewRegistry::plan, decided once per frame)
    bool comparing;                 // the compare (style) layout is on screen (plan.compare)
    const StyleStage* style;        // the style network the pipeline runs, if any
    bool mapsOwned;                 // a view supplies the maps (supplyMaps)
    uint64_t framesRendered;
    WindowActions& window;
    std::optional<cv::Point> hover;  // --hover X,Y (a scripted run): the pointer rests there

    // The map pixel under the pointer (or --hover) on the window's maps, if any.
    bool hovered(int& channel, int& x, int& y) const;
};

// The maps `act` of `layer` have the shape `model` gives that layer: right after a model, input-size
// or target change the maps on screen may still be the old model's.
bool mapsOfModel(const cv::Mat& act, const std::string& layer, const Model& model);

class View {
public:
    virtual ~View() = default;
    virtual const char* name() const = 0;  // its key in the stats JSON

    // Start-up: the command line's options (before the model loads; `scripted`: --frames N), then
    // with the model loaded (before the window opens), then with the pipeline running.
    virtual Status checkOptions(const detail::ViewOptions&, bool /*scripted*/) { return {}; }
    virtual Status beforeWindow(const detail::ViewOptions&, const Model&, const std::string& /*layer*/) { return {}; }
    virtual Status afterPipeline(const detail::ViewOptions&, ViewContext&) { return {}; }
    virtual bool initGl(std::string* /*error*/) { return true; }
    virtual void releaseGl() {}
    virtual void stop() {}

    virtual bool supplyMaps(ViewContext&) { return false; }
    virtual void onResult(ViewContext&) {}  // the pipeline's newest result (c.result) is now the one on screen
    virtual void tick(ViewContext&) {}
    virtual bool onKey(KeyAction, ViewContext&) { return false; }  // true: handled
    virtual bool onPanelEvent(const ui::PanelEvent&, ViewContext&) { return false; }
    // A scripted NAME=VALUE that this view's panel section owns (--keys why=gradcam, featvis=sheet,
    // channels=mean; the names are the key table's, keys.cpp): true when `name` is the view's; a
    // bad value is posted as an error (c.window.post, Level::Error: the scripted run then fails).
    virtual bool onScriptArgument(const std::string& /*name*/, const std::string& /*value*/, ViewContext&) { return false; }

    virtual CanvasClaim claim(const ViewContext&) const { return CanvasClaim::None; }
    // Draws into `area`; a Column view returns what is left for the maps.
    virtual gfx::PixelRect draw(const gfx::PixelRect& area, DrawTarget&, ViewContext&) { return area; }
    virtual void overlay(ImDrawList*, ViewContext&) {}
    virtual cv::Mat burnLabels(const cv::Mat& pixels, const ViewContext&) const { return pixels; }

    virtual void panel(ui::PanelInfo&, const ViewContext&) const {}
    virtual std::string banner(const ViewContext&) const { return {}; }
    virtual void legends(std::vector<Legend>&, const ViewContext&) const {}
    virtual std::string captionSuffix(const ViewContext&) const { return {}; }
    virtual void captionFacts(CaptionFacts&, const ViewContext&) const {}
    virtual const char* inputTitle(const ViewContext&) const { return nullptr; }  // the input frame pane's, while supplying maps

    virtual std::string statsJson(const ViewContext&) const { return {}; }  // empty: no key
    // Its lines of the stats JSON ("  \"key\": value,\n"): by default one, its name and statsJson.
    virtual std::string statsFields(const ViewContext& c) const {
        const std::string j = statsJson(c);
        return j.empty() ? j : "  \"" + std::string(name()) + "\": " + j + ",\n";
    }
    // The scripted run: 'idle' waits while a view is computing for the view on screen, and so does
    // the start of the counted frames; the frames count only while every view is showing.
    virtual bool computing(const ViewContext&) const { return false; }
    virtual bool showing(const ViewContext&) const { return true; }
    // The scripted run: 1 ready, 0 still running (the run waits), -1 failed (*error says why).
    virtual int scriptState(const ViewContext&, std::string* /*error*/) const { return 1; }
};

}  // namespace cnnscope::app
