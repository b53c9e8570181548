// The window's private header: the Gui class, which owns the session (pipeline, the maps on
// screen, the history), the registry of views (app/view.hpp, app/view_registry: the atlas, the
// unit column, compare, the second model, the transfer; Gui never names their types) and one
// member per part of its own (Recorder, WeightsDownload, ScriptedRun, FrameStats, JobRunner,
// Window, HistoryTimeline: each its own state, given what it needs as arguments, holding no pointer
// back) and its own state in one struct per concern (shown_maps.hpp, window_state.hpp). Gui's
// member functions live in one file per concern: gui.cpp (startup, loop, scripted run, shutdown),
// actions.cpp (keys and panel events -> views and pipeline; the views' context), view_draw.cpp
// (the canvas plan and its draw, window and offscreen), overlays.cpp (caption, banners, hover,
// panel facts), outputs.cpp (screenshots, recording, sweeps, stats JSON), history_view.cpp and
// history_gif.cpp (the timeline's window side), extras.cpp (download and conv). Only app/ includes it.
#pragma once

#include "app/view_options.hpp"

#include "app/frame_stats.hpp"
#include "app/history_gif.hpp"
#include "app/history_timeline.hpp"
#include "app/jobs.hpp"
#include "app/keys.hpp"
#include "app/legend.hpp"
#include "app/recorder.hpp"
#include "app/scripted_run.hpp"
#include "app/shown_maps.hpp"
#include "app/window_state.hpp"
#include "app/view_registry.hpp"
#include "app/weights_download.hpp"
#include "app/window.hpp"

#include "session/session.hpp"
#include "core/base/alloc_counter.hpp"
#include "core/render/atlas.hpp"
#include "core/io/atomic_file.hpp"
#include "core/unit/backward.hpp"
#include "core/unit/gram.hpp"
#include "core/pipeline/history.hpp"
#include "core/base/interrupt.hpp"
#include "core/base/parse.hpp"
#include "core/pipeline/pipeline.hpp"
#include "gfx/activation_renderer.hpp"
#include "gfx/offscreen.hpp"
#include "gfx/screen_layout.hpp"
#include "gfx/view_layout.hpp"
#include "record/sweep.hpp"
#include "ui/panel.hpp"
#include "ui/settings.hpp"

#include <opencv2/imgproc.hpp>

#include <imgui.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace cnnscope::app::detail {

constexpr float kPanelWidth = 360.f;
constexpr double kTargetFps = 60.0;
constexpr int kTimelineHeight = 34;  // the history timeline under the view
const char* const kSampleFootage = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

std::string shapeText(const std::vector<int>& s);



class Gui final : private WindowActions {
public:
    explicit Gui(ViewOptions opts) : m_opts(std::move(opts)) { registerViews(m_views); }
    // startup(); while (frame()); shutdown();
    int run();

private:
    static constexpr int kStarted = -1;
    // Returns kStarted, or the exit code of a failed start (its error printed).
    int startup();
    Status applyViewOptions();
    Status applyModelOptions(const Model& model, std::vector<std::string>& warnings);
    Expected<std::string> chooseSource();
    bool frame();       // false: leave the loop
    bool scriptStep();  // false: the scripted run is over
    bool viewComputed() const;
    // The maps on screen have the shape the current model gives the shown layer: right after a
    // model, input-size or target change they may still be the old model's.
    bool mapsOfCurrentModel() const { return mapsOfModel(m_maps.act, m_maps.layer, m_pipeline->model()); }
    bool startScriptRecording();  // --record in a scripted run; false (the error said) when it cannot start  // the scripted 'idle': nothing is being computed for the view on screen
    bool scriptViewShown() const;
    int shutdown();     // the exit code
    bool setupWindow(std::string& error);
    void teardown();
    void applyKey(KeyAction action);
    void applyScriptArgument(KeyAction action);
    // WindowActions: what the views may ask of the window.
    void selectLayer(const std::string& layer) override;
    void showMaps(const cv::Mat& act, const std::string& layer, const cv::Mat& frame) override;
    void restoreLiveMaps() override;
    session::CommonOptions workerModelOptions() const override;  // the pipeline's model now, for a worker's own copy
    // The facts the views are told (app/view.hpp), as of now.
    ViewContext context() const;
    void takeResults();
    // Stops the pipeline, applies `change` to its model, and starts a new one on the same source.
    void rebuildPipeline(const std::function<Status(Model&)>& change);
    // The panel's model Load (and the scripted model=FILE): `text` loaded on m's target, replacing it.
    Status replaceModel(Model& m, const std::string& text);
    void applyPanelEvent(const ui::PanelEvent& e);
    // The message channel: the panel's Messages section lists them all; the status line under the
    // view shows the newest that is not a warning.
    void post(const std::string& text, ui::Message::Level level = ui::Message::Level::Info) override;
    void post(const std::string& text, const Status& outcome);
    void drawFrame();
    // The canvas of this UI frame (m_canvas.plan), decided once and read by the window's and offscreen draws.
    void decideCanvas();
    void drawCanvas(const gfx::PixelRect& canvas, DrawTarget& t);
    void drawMaps(gfx::PixelRect area, DrawTarget& t);  // the window's own maps pane
    bool comparing() const { return m_canvas.plan.compare; }  // the compare view has the canvas this UI frame
    Status loadStyleStage(const std::string& text);
    std::string pipelineLabel() const;
    // Draws the maps view (no panel, no overlays) into the offscreen target at `size`.
    void renderOffscreen(cv::Size size);
    CaptionFacts captionFacts() const;
    std::string currentCaption() const;
    cv::Mat annotate(const cv::Mat& view, const std::string& caption, bool colorbar) const;
    void takeScreenshot();
    void saveBareMaps();  // the maps on screen as .npy, the channel's map and the frame as PNGs, uncaptioned
    void startRecording(const std::string& path);
    Recorder::Annotate annotator() const;  // annotate(), for the recorder
    void stopRecording();
    void recordTick();
    void startSweep(bool layers);
    void startPrefetch();
    void drawOverlays(const gfx::PixelRect& area);
    void drawHighlightAndHover(ImDrawList* dl);
    ui::PanelInfo panelInfo() const;
    // The screen layout (gfx/screen_layout): every element its own rectangle.
    gfx::ScreenLayout screenLayout() const;
    gfx::PixelRect viewArea() const;
    gfx::PixelRect mapsArea() const;  // the canvas
    struct Banner {
        std::string text;
        unsigned colour;
    };
    std::vector<Banner> banners() const;
    std::vector<Legend> legends(int hovered) const;
    std::vector<gfx::LayoutElement> layoutElements() const;
    void drawLegends(ImDrawList* dl, const gfx::PixelRect& column, const std::vector<Legend>& legends) const;
    void drawTileNumbers(ImDrawList* dl) const;
    void drawStatusLine(ImDrawList* dl);
    std::string legendJson() const;
    Status saveWindowScreenshot(const std::string& path);
    Status writeStats(const std::string& path);
    std::string canvasJson() const;
    int channels() const { return m_maps.channels(); }
    // The history's glue (app/history_view.cpp): what its timeline asks that only the window can do.
    void historySeek(int64_t pos);  // pauses; pos among the kept frames, 0 the oldest
    void historyStep(int delta);
    void historyLive();
    void historyTick();  // each UI frame: recompute the scrubbed frame's maps when needed
    void exportHistoryMarkToHere();  // the timeline's "GIF mark..here"
    // history_gif.cpp: the view of each kept frame in [first, last] as a GIF, on a job.
    void exportHistoryGif(int64_t first, int64_t last);
    void historyGifTick();  // each UI frame: the export's next frame's maps asked for, drawn when ready
    Expected<cv::Mat> renderHistoryGifFrame(HistoryGifState& s, const HistoryFrame& f, const cv::Mat& act);
    void drawTimeline(const gfx::PixelRect& area);
    // extras.cpp: the trained-weights download's glue and the convolution kernel choice.
    void startDownload(const std::string& entry);
    void cancelDownload();
    void pollDownload();
    void setConv(const std::string& name);
    void setPrecisionName(const std::string& name);  // the panel's precision combo and precision=
    void cycleConv();
    bool convReportCurrent() const;  // the report handed over was taken under the current mode
    void fillExtras(ui::PanelInfo& info) const;
    std::string extrasJson() const;
    Status checkViewOutputs(const Model* model) const;

    ViewOptions m_opts;
    Window m_window;
    std::unique_ptr<Pipeline> m_pipeline;
    uint64_t m_pipelineGeneration = 0;   // bumped by rebuildPipeline
    std::vector<std::string> m_layerNames;  // the model's layers, in order
    gfx::ActivationRenderer m_renderer;  // the maps on screen (and the input frame)
    ViewState m_view;
    ui::PanelInputs m_inputs;
    // The window's own state by concern (window_state.hpp, shown_maps.hpp).
    SourceChoice m_source;
    StyleChoice m_style;
    MessageLog m_log;
    ShownMaps m_maps;
    CanvasFrame m_canvas;
    HoverState m_hover;
    RunState m_run;
    OutputsState m_outputs;
    gfx::OffscreenTarget m_offscreen;  // screenshots and the recorder's frames
    // Sweeps and the prefetch: background jobs whose results are applied on this thread.
    JobRunner m_jobs;
    HistoryTimeline m_history;  // the kept frames, the timeline, a GIF export (history_timeline.hpp)

    // The views (app/view.hpp): each its own state, asked through the contract; the registry's
    // list is app/view_registry.cpp.
    ViewRegistry m_views;
    // Stand-alone parts of the window itself: each keeps its own state and is given what it needs.
    Recorder m_recorder;        // recorder: offscreen frames -> PBO read-back -> bounded encoder
    WeightsDownload m_download; // weights_download: the trained-weights download and its banner
    ScriptedRun m_script;       // scripted_run: --keys, then --frames N of the requested view
    FrameStats m_stats;         // frame_stats: render rate and display latency

};

}  // namespace cnnscope::app::detail
