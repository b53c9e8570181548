// The live visualizer: window (app/window), GL 3.3 core, Dear ImGui panel; capture and inference run on
// their own threads (core/pipeline) and hand over latest-wins. Only this thread touches GL.
#include "app/gui.hpp"

#include "app/jobs.hpp"
#include "app/keys.hpp"
#include "app/window.hpp"

#include "cli/cli.hpp"
#include "core/alloc_counter.hpp"
#include "core/atomic_file.hpp"
#include "core/gram.hpp"
#include "core/interrupt.hpp"
#include "core/parse.hpp"
#include "core/pipeline.hpp"
#include "gfx/activation_renderer.hpp"
#include "gfx/offscreen.hpp"
#include "gfx/view_layout.hpp"
#include "record/async_encoder.hpp"
#include "record/sweep.hpp"
#include "ui/panel.hpp"
#include "ui/settings.hpp"

#include <opencv2/imgproc.hpp>

#include <imgui.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace cnnscope::app {

namespace {

constexpr float kPanelWidth = 360.f;
constexpr double kTargetFps = 60.0;
const char* const kSampleFootage = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

struct ViewOptions {
    cli::CommonOptions common;
    std::string source;
    std::string layer;
    int channel = -1;
    bool grid = false;
    int frames = 0;  // scripted run: exit after this many UI frames showing the requested view
    std::string screenshot, stats, size, keys, record;
    bool paused = false;
    bool compare = false;
    // Given on the command line (else the saved settings decide, in a window that is not scripted).
    bool colormapGiven = false, normalizeGiven = false, gammaGiven = false;
};

// PREFIX-YYYYmmdd-HHMMSS.EXT in the current directory, or PREFIX-...-2.EXT and so on when that
// name is taken (two screenshots within one second must not overwrite each other).
std::string datedName(const std::string& prefix, const char* ext) {
    char stamp[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&t));
    std::string name = prefix + stamp + ext;
    std::error_code ec;
    for (int n = 2; std::filesystem::symlink_status(name, ec).type() != std::filesystem::file_type::not_found; ++n)
        name = prefix + stamp + "-" + std::to_string(n) + ext;
    return name;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    const size_t k = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size() - 1) + 0.5));
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    return v[k];
}

std::string shapeText(const std::vector<int>& s) {
    std::string t;
    for (size_t i = 0; i < s.size(); ++i) t += (i ? "x" : "") + std::to_string(s[i]);
    return t;
}


class Gui {
public:
    explicit Gui(ViewOptions opts) : m_opts(std::move(opts)) {}
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
    int shutdown();     // the exit code
    bool setupWindow(std::string& error);
    void teardown();
    void applyKey(KeyAction action);
    void selectLayer(const std::string& layer);
    void takeResults();
    void refreshRanges();
    // Stops the pipeline, applies `change` to its model, and starts a new one on the same source.
    void rebuildPipeline(const std::function<Status(Model&)>& change);
    void applyPanelEvent(const ui::PanelEvent& e);
    // The message channel: the panel's Messages section lists them all; the status line under the
    // view shows the newest that is not a warning.
    void post(const std::string& text, ui::Message::Level level = ui::Message::Level::Info);
    void post(const std::string& text, const Status& outcome);
    void drawFrame();
    // Original | stylised: both frames, their maps and their Gram matrices. `live` keeps the
    // layout for hover and labels (the window), not for offscreen renders.
    void drawCompare(const gfx::PixelRect& area, int fbHeight, bool live);
    bool comparing() const { return m_view.compare && m_style && m_origRenderer.hasActivations(); }
    Status loadStyleStage(const std::string& text);
    std::string pipelineLabel() const;
    // Draws the maps view (no panel, no overlays) into the offscreen target at `size`.
    void renderOffscreen(cv::Size size);
    CaptionFacts captionFacts() const;
    std::string currentCaption() const;
    cv::Mat annotate(const cv::Mat& view, const std::string& caption, bool colorbar) const;
    void takeScreenshot();
    void startRecording(const std::string& path);
    cv::Mat recordingFrame(const cv::Mat& pixels, const std::string& caption) const;
    void stopRecording();
    void recordTick();
    void startSweep(bool layers);
    void startPrefetch();
    void drawOverlays(const gfx::PixelRect& area);
    ui::PanelInfo panelInfo() const;
    gfx::PixelRect viewArea() const;
    gfx::PixelRect mapsArea() const;
    int bannerCount() const;
    Status saveWindowScreenshot(const std::string& path);
    Status writeStats(const std::string& path);
    int channels() const { return m_act.empty() ? 0 : m_act.size[1]; }

    ViewOptions m_opts;
    Window m_window;
    std::unique_ptr<Pipeline> m_pipeline;
    gfx::ActivationRenderer m_renderer;
    // Compare view: the original frame's maps, and both Gram matrices as one-channel maps.
    gfx::ActivationRenderer m_origRenderer, m_gramRenderer, m_origGramRenderer;
    std::shared_ptr<StyleStage> m_style;  // also held by the pipeline's inference thread
    std::vector<Range> m_origRanges;
    std::vector<std::string> m_styleNames;  // models.yml style entries, for the panel
    std::vector<bool> m_styleHave;
    double m_gramDistance = -1;
    gfx::CompareRects m_cmp[2], m_cmpOffscreen[2];  // 0: original, 1: stylised; the window's and the last offscreen layout
    ViewState m_view;
    ui::PanelInputs m_inputs;
    std::string m_sourceNote, m_message, m_spec;
    std::vector<ui::Message> m_messages;
    std::vector<std::string> m_layerNames;

    InferenceResult m_result;            // newest from the pipeline
    cv::Mat m_act;                       // what is on screen (m_result.act or a cached layer)
    std::string m_shownLayer;
    uint64_t m_resultSeen = 0, m_shownFrameId = 0;
    std::map<std::string, cv::Mat> m_layerCache;  // results for the frame on screen (paused or still)
    // On a paused or still frame every layer is computed once in the background, so that any
    // layer switch shows at the next UI frame.
    uint64_t m_prefetchFrameId = 0;
    std::vector<Range> m_ranges;
    std::vector<float> m_rangeScratch;

    gfx::PixelRect m_mapsRect, m_frameRect;
    gfx::GridLayout m_grid;

    // Recording: offscreen render, PBO read-back, bounded encoder thread.
    gfx::OffscreenTarget m_offscreen;
    std::unique_ptr<AsyncEncoder> m_encoder;
    std::string m_recPath, m_recStatus;
    cv::Size m_recSize{640, 480}, m_recFrameSize;
    double m_recFps = 10;
    bool m_recColorbar = false;
    Clock::time_point m_recStart, m_recLast;
    struct PendingFrame {
        std::string caption;
        int delayMs;
    };
    std::deque<PendingFrame> m_recPending;  // one per read in flight (at most 2)
    // Sweeps and the prefetch: background jobs whose results are applied on this thread.
    JobRunner m_jobs;
    uint64_t m_pipelineGeneration = 0;  // bumped by rebuildPipeline
    std::string m_sweepStatus;

    // Stats
    std::vector<double> m_latencies;
    double m_renderFps = 0;
    uint64_t m_framesRendered = 0;
    Clock::time_point m_fpsWindowStart = Clock::now();
    uint64_t m_fpsWindowFrames = 0;
    // Run state
    bool m_scripted = false;
    ui::LoadedSettings m_settings;
    Clock::time_point m_nextFrame;
    int m_exitCode = 0;
    // Scripted run
    bool m_scriptCompleted = false;  // reached --frames
    int m_scriptFrames = 0;
    Clock::time_point m_scriptStart;
    uint64_t m_scriptInferStart = 0;
    std::vector<KeyAction> m_scriptKeys;
    int64_t m_inferencesAtIdle = -1;
    bool m_scriptStarted = false;
};

bool Gui::setupWindow(std::string& error) {
    return m_window.open(m_view.windowW, m_view.windowH, error) && m_renderer.init(&error) && m_origRenderer.init(&error) &&
           m_gramRenderer.init(&error) && m_origGramRenderer.init(&error);
}

void Gui::teardown() {
    if (m_pipeline) m_pipeline->stop();
    if (!m_window.isOpen()) return;
    m_renderer = gfx::ActivationRenderer();  // GL objects go while the context is current
    m_origRenderer = gfx::ActivationRenderer();
    m_gramRenderer = gfx::ActivationRenderer();
    m_origGramRenderer = gfx::ActivationRenderer();
    m_offscreen = gfx::OffscreenTarget();
    m_window.close();
}

void Gui::selectLayer(const std::string& layer) {
    if (layer == m_view.layer && layer == m_shownLayer) return;
    m_view.layer = layer;
    // A layer already computed for the frame on screen shows now, without recomputing.
    // (Not in the compare view: the original frame's maps of that layer are not cached.)
    auto it = m_layerCache.find(layer);
    const bool cached = it != m_layerCache.end() && !(m_view.compare && m_style);
    m_pipeline->setLayer(layer, !cached);
    if (cached) {
        m_act = it->second;
        m_shownLayer = layer;
        refreshRanges();
        m_renderer.upload(m_act, m_ranges);
    }
}

void Gui::applyKey(KeyAction action) {
    const int C = std::max(1, channels());
    const int step = m_view.mode == ViewMode::Grid ? (m_view.allChannels ? allChannelsCols(C) : m_view.tiles) : 1;
    auto layerIndex = [&] {
        auto it = std::find(m_layerNames.begin(), m_layerNames.end(), m_view.layer);
        return it == m_layerNames.end() ? 0 : int(it - m_layerNames.begin());
    };
    switch (action) {
        case KeyAction::NextChannel: m_view.channel = (m_view.channel + 1) % C; break;
        case KeyAction::PrevChannel: m_view.channel = (m_view.channel + C - 1) % C; break;
        case KeyAction::NextRow: m_view.channel = std::min(C - 1, m_view.channel + step); break;
        case KeyAction::PrevRow: m_view.channel = std::max(0, m_view.channel - step); break;
        case KeyAction::NextLayer: selectLayer(m_layerNames[size_t(std::min(int(m_layerNames.size()) - 1, layerIndex() + 1))]); break;
        case KeyAction::PrevLayer: selectLayer(m_layerNames[size_t(std::max(0, layerIndex() - 1))]); break;
        case KeyAction::TogglePause: m_pipeline->setPaused(!m_pipeline->paused()); break;
        case KeyAction::ToggleGrid: m_view.mode = m_view.mode == ViewMode::Grid ? ViewMode::Single : ViewMode::Grid; break;
        case KeyAction::ToggleOverlay: m_view.mode = m_view.mode == ViewMode::Overlay ? ViewMode::Single : ViewMode::Overlay; break;
        case KeyAction::ToggleCompare:
            if (!m_style) {
                post("compare needs a style network: pick one in the Style section (or --style)");
                break;
            }
            m_view.compare = !m_view.compare;
            m_pipeline->setCompare(m_view.compare);
            break;
        case KeyAction::Screenshot: takeScreenshot(); break;
        case KeyAction::ToggleRecord:
            if (m_encoder) stopRecording();
            else startRecording(m_inputs.recordPath);
            break;
        case KeyAction::ToggleHelp: m_view.showHelp = !m_view.showHelp; break;
        case KeyAction::Quit: m_window.requestClose(); break;
        case KeyAction::Idle: break;
    }
    // Keep the selected channel's page on screen in the grid.
    if (m_view.mode == ViewMode::Grid && !m_view.allChannels) m_view.page = m_view.channel / (m_view.tiles * m_view.tiles);
}

void Gui::applyPanelEvent(const ui::PanelEvent& e) {
    using K = ui::PanelEvent::Kind;
    switch (e.kind) {
        case K::SelectLayer: selectLayer(e.text); break;
        case K::NormChanged:
            refreshRanges();
            if (!m_ranges.empty()) m_renderer.uploadRanges(m_ranges);
            if (comparing() && !m_origRanges.empty()) m_origRenderer.uploadRanges(m_origRanges);
            break;
        case K::Screenshot: applyKey(KeyAction::Screenshot); break;
        case K::ToggleRecord: applyKey(KeyAction::ToggleRecord); break;
        case K::SweepChannels: startSweep(false); break;
        case K::SweepLayers: startSweep(true); break;
        case K::LoadStyle: {
            auto st = loadStyleStage(e.text);
            post(st ? "style: " + m_style->label() + " from " + m_style->source() : st.error(), st);
            break;
        }
        case K::StyleOff:
            m_style.reset();
            m_pipeline->setStyle(nullptr);
            post("style off");
            break;
        case K::CompareChanged: m_pipeline->setCompare(m_view.compare); break;
        case K::OpenSource: {
            auto st = m_pipeline->openSource(e.text);
            post(st ? "opened " + e.text : st.error(), st);
            if (st) {
                m_sourceNote.clear();
                m_spec = e.text;
            }
            break;
        }
        case K::Target:
            rebuildPipeline([&](Model& m) {
                std::string note;
                Status st = m.setTarget(e.text, &note);
                post(st ? (note.empty() ? "running on " + m.target().actual : note) : st.error(), st);
                return st;
            });
            break;
        case K::InputSize:
            rebuildPipeline([&](Model& m) {
                Status st = m.setInputSize(e.size);
                if (st) post("input size " + std::to_string(e.size.width) + "x" + std::to_string(e.size.height));
                return st;
            });
            break;
        case K::LoadModel:
            rebuildPipeline([&](Model& m) -> Status {
                cli::CommonOptions o = m_opts.common;
                o.model = e.text;
                o.untrained = false;
                o.inputSize.clear();
                o.target = m.target().actual;
                o.quiet = true;
                std::vector<std::string> warnings;
                auto loaded = cli::loadModel(o, &warnings);
                if (!loaded) return Error{loaded.error()};
                m = std::move(*loaded);
                for (const auto& w : warnings) post(w, ui::Message::Level::Warning);
                post("loaded " + m.label() + " from " + m.source());
                return {};
            });
            break;
        case K::TogglePause: m_pipeline->setPaused(!m_pipeline->paused()); break;
        case K::Step: m_pipeline->step(); break;
        case K::ToggleLoop: m_pipeline->setLoop(!m_pipeline->loop()); break;
        case K::Seek: m_pipeline->seek(int64_t(e.value)); break;
        case K::Speed: m_pipeline->setSpeed(e.value); break;
    }
}

void Gui::post(const std::string& text, ui::Message::Level level) {
    if (text.empty()) return;
    m_messages.push_back({level, text});
    if (m_messages.size() > 50) m_messages.erase(m_messages.begin());
    if (level != ui::Message::Level::Warning) m_message = text;  // the status line under the view
}

void Gui::post(const std::string& text, const Status& outcome) {
    post(text, outcome ? ui::Message::Level::Info : ui::Message::Level::Error);
}

void Gui::rebuildPipeline(const std::function<Status(Model&)>& change) {
    const bool paused = m_pipeline->paused(), loop = m_pipeline->loop();
    const double speed = m_pipeline->speed();
    Model model = m_pipeline->release();
    if (auto st = change(model); !st) post(st.error(), st);
    m_layerNames = model.spatialLayerNames();
    if (!model.requireSpatialLayer(m_view.layer)) m_view.layer = model.defaultLayer();
    m_pipeline = std::make_unique<Pipeline>(std::move(model));
    m_pipeline->setLayer(m_view.layer);
    m_pipeline->setPaused(paused);
    m_pipeline->setLoop(loop);
    m_pipeline->setSpeed(speed);
    m_pipeline->setStyle(m_style);
    m_pipeline->setCompare(m_view.compare);
    m_layerCache.clear();
    ++m_pipelineGeneration;  // a prefetch in flight answers for the old pipeline: dropped
    m_prefetchFrameId = 0;
    m_resultSeen = 0;
    if (auto st = m_pipeline->openSource(m_spec); !st) post(st.error(), st);
}

void Gui::refreshRanges() {
    if (!m_act.empty()) channelRanges(m_act, m_view.norm, m_ranges, m_rangeScratch);
    if (!m_result.originalAct.empty()) channelRanges(m_result.originalAct, m_view.norm, m_origRanges, m_rangeScratch);
}

using LayerActs = Expected<std::vector<cv::Mat>>;

// Waits for a computeLayers answer on a job thread; a pipeline torn down meanwhile is an error.
LayerActs awaitLayers(std::future<LayerActs>& f) {
    try {
        return f.get();
    } catch (const std::future_error&) {
        return Error{"the pipeline was restarted"};
    }
}

void Gui::startPrefetch() {
    m_prefetchFrameId = m_result.frameId;
    const uint64_t frameId = m_result.frameId, generation = m_pipelineGeneration;
    auto future = std::make_shared<std::future<LayerActs>>(m_pipeline->computeLayers(m_result.frame.clone(), m_layerNames));
    m_jobs.run<LayerActs>(
        "prefetch", [future](JobProgress&) { return awaitLayers(*future); },
        [this, frameId, generation, names = m_layerNames](LayerActs& acts) {
            if (!acts || frameId != m_shownFrameId || generation != m_pipelineGeneration) return;
            for (size_t i = 0; i < acts->size() && i < names.size(); ++i) m_layerCache[names[i]] = std::move((*acts)[i]);
        });
}

void Gui::takeResults() {
    m_jobs.poll();  // background results (the prefetch, sweeps) are applied here, on the main thread
    if (!m_pipeline->takeResult(m_result, m_resultSeen)) return;
    const auto now = Clock::now();
    m_latencies.push_back(std::chrono::duration<double, std::milli>(now - m_result.captured).count());
    if (m_latencies.size() > 2000) m_latencies.erase(m_latencies.begin(), m_latencies.begin() + 1000);
    if (m_result.frameId != m_shownFrameId) m_layerCache.clear();
    m_shownFrameId = m_result.frameId;
    if (m_pipeline->paused() || m_pipeline->sourceIsStill()) m_layerCache[m_result.layer] = m_result.act.clone();
    if ((m_pipeline->paused() || m_pipeline->sourceIsStill()) && m_prefetchFrameId != m_result.frameId && !m_jobs.running("prefetch"))
        startPrefetch();
    if (m_result.layer != m_view.layer && m_layerCache.count(m_view.layer)) return;  // stale: a cached layer is shown
    m_act = m_result.act;
    m_shownLayer = m_result.layer;
    refreshRanges();
    if (!m_result.originalAct.empty() && !m_result.gram.empty()) {
        // One shared scale for both Gram matrices: equal colours are equal values.
        const Range g = gramRange(m_result.gram, m_result.originalGram);
        const int C = m_result.gram.rows;
        const int shape[4] = {1, 1, C, C};
        m_gramRenderer.upload(m_result.gram.reshape(1, 4, shape), {g});
        m_origGramRenderer.upload(m_result.originalGram.reshape(1, 4, shape), {g});
        m_origRenderer.upload(m_result.originalAct, m_origRanges);
        m_origRenderer.uploadFrame(m_result.original);
        m_gramDistance = gramDistance(m_result.gram, m_result.originalGram);
    } else {
        m_gramDistance = -1;
    }
    m_renderer.upload(m_act, m_ranges);
    m_renderer.uploadFrame(m_result.frame);
}

gfx::PixelRect Gui::viewArea() const {
    int w = 0, h = 0;
    m_window.framebufferSize(w, h);
    const int left = m_view.showPanel ? int(kPanelWidth) : 0;
    return {left, 0, std::max(1, w - left), h};
}

gfx::PixelRect Gui::mapsArea() const {
    // Below the caption and banners, left of the colorbar.
    gfx::PixelRect a = viewArea();
    const int top = 24 + 22 * bannerCount();
    const int right = m_view.showColorbar ? 96 : 0;
    return {a.x, a.y + top, std::max(1, a.w - right), std::max(1, a.h - top)};
}

int Gui::bannerCount() const {
    return int(m_pipeline->model().untrained()) + int(!m_sourceNote.empty()) + int(!m_pipeline->sourceError().empty()) +
           int(!m_pipeline->inferenceError().empty());
}

void Gui::drawFrame() {
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    glViewport(0, 0, fbW, fbH);
    glClearColor(0.08f, 0.08f, 0.09f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);

    gfx::PixelRect area = mapsArea();
    if (comparing()) {
        drawCompare(area, fbH, true);
        return;
    }
    if (m_view.showInput && m_renderer.hasFrame()) {
        const gfx::PixelRect left{area.x, area.y, area.w / 2, area.h};
        m_frameRect = gfx::fitAspect(left, m_renderer.frameSize().width, m_renderer.frameSize().height);
        gfx::ActivationRenderer::Params fp;
        fp.mode = ViewMode::Frame;
        m_renderer.draw(m_frameRect, fbH, fp);
        area = {area.x + area.w / 2, area.y, area.w - area.w / 2, area.h};
    } else {
        m_frameRect = {};
    }
    if (m_renderer.hasActivations()) {
        const gfx::ActivationRenderer::Params p = gfx::viewParams(m_view, m_renderer, area, m_mapsRect);
        m_grid = p.grid;
        m_renderer.draw(m_mapsRect, fbH, p);
    }
}

void Gui::drawCompare(const gfx::PixelRect& area, int fbH, bool live) {
    gfx::ActivationRenderer* maps[2] = {&m_origRenderer, &m_renderer};
    gfx::ActivationRenderer* grams[2] = {&m_origGramRenderer, &m_gramRenderer};
    const gfx::CompareLayout l = gfx::drawCompare(m_view, maps, grams, area, fbH);
    gfx::CompareRects* rects = live ? m_cmp : m_cmpOffscreen;
    rects[0] = l.side[0];
    rects[1] = l.side[1];
    if (live) {  // hover, clicks and the highlight follow the stylised side
        m_mapsRect = l.side[1].maps;
        m_grid = l.grid;
        m_frameRect = l.side[1].frame;
    }
}

std::string Gui::pipelineLabel() const { return cli::pipelineLabel(m_pipeline->model(), m_pipeline->styleLabel()); }

Status Gui::loadStyleStage(const std::string& text) {
    if (text.empty()) return Error{"give a style network: a .t7 or .onnx file, or a models.yml name"};
    cli::CommonOptions o = m_opts.common;
    o.style = text;
    o.quiet = true;
    std::vector<std::string> warnings;
    auto stage = cli::loadStyle(o, &warnings);
    if (!stage) return Error{stage.error()};
    for (const auto& w : warnings) post(w, ui::Message::Level::Warning);
    m_style = std::make_shared<StyleStage>(std::move(stage->value()));
    m_pipeline->setStyle(m_style);
    m_pipeline->setCompare(m_view.compare);
    m_layerCache.clear();
    return {};
}

void Gui::renderOffscreen(cv::Size size) {
    if (!m_offscreen.ensure(size)) return;
    m_offscreen.bind();
    glClearColor(0.f, 0.f, 0.f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (comparing()) {
        drawCompare({0, 0, size.width, size.height}, size.height, false);
    } else {
        gfx::PixelRect rect;
        const gfx::ActivationRenderer::Params p = gfx::viewParams(m_view, m_renderer, {0, 0, size.width, size.height}, rect);
        m_renderer.draw(rect, size.height, p);
    }
    m_offscreen.unbind();
}

CaptionFacts Gui::captionFacts() const {
    CaptionFacts f;
    f.label = pipelineLabel();
    f.layer = m_shownLayer;
    f.channels = channels();
    f.gridFirst = m_grid.first;
    f.gridCount = m_grid.cols * m_grid.rows;
    f.frameIndex = m_result.frameIndex;
    const double fps = m_pipeline->stats().sourceFps;
    f.seconds = fps > 0 ? double(m_result.frameIndex) / fps : std::chrono::duration<double>(m_result.captured - m_recStart).count();
    f.paused = m_pipeline->paused();
    f.gramDistance = comparing() ? m_gramDistance : -1;
    return f;
}

std::string Gui::currentCaption() const { return caption(m_view, captionFacts(), CaptionFor::File); }

cv::Mat Gui::annotate(const cv::Mat& view, const std::string& caption, bool colorbar) const {
    cv::Mat labelled = view;
    if (comparing()) {  // the window draws these labels with ImGui; files get them burnt in
        labelled = view.clone();
        const int C = m_gramRenderer.mapSize().width;
        for (int side = 0; side < 2; ++side) {
            const gfx::CompareRects& r = m_cmpOffscreen[side];
            const CompareLabels l = compareLabels(side, m_pipeline->styleLabel(), m_shownLayer, C, m_gramDistance, CaptionFor::File);
            auto text = [&](const std::string& t, const gfx::PixelRect& at) {
                cv::putText(labelled, t, {at.x, std::max(12, at.y - 5)}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar::all(235), 1, cv::LINE_AA);
            };
            text(l.title, r.frame);
            text(l.layer, r.maps);
            text(l.gram, r.gram);
        }
    }
    cv::Mat out = withCaption(labelled, caption);
    if (colorbar && !m_ranges.empty())
        out = withColorbar(out, m_view.colormap, m_ranges[size_t(std::min(m_view.channel, int(m_ranges.size()) - 1))]);
    return out;
}

void Gui::takeScreenshot() {
    if (!m_renderer.hasActivations()) {
        post("nothing to save yet");
        return;
    }
    const std::string name = datedName("cnnscope-", ".png");
    const gfx::PixelRect area = mapsArea();
    renderOffscreen({area.w, area.h});
    auto st = writeImageAtomic(name, annotate(m_offscreen.readNow(), currentCaption(), m_view.showColorbar));
    post(st ? "saved " + name : st.error(), st);
}

void Gui::startRecording(const std::string& requested) {
    if (m_encoder) return;
    if (!m_renderer.hasActivations()) {
        post("nothing to record yet: wait for the first result");
        return;
    }
    m_recSize = ui::kRecordSizes[std::clamp(m_inputs.recordSize, 0, ui::kRecordSizeCount - 1)];
    m_recFps = std::clamp(double(m_inputs.recordFps), 1.0, 30.0);
    m_recColorbar = m_inputs.recordColorbar;
    const std::string path = requested.empty() ? datedName("cnnscope-", ".gif") : requested;
    // Caption (and colorbar) make the frame larger than the view; video encoders want even sizes.
    m_recFrameSize = annotate(cv::Mat(m_recSize, CV_8UC3), "x", m_recColorbar).size();
    m_recFrameSize.width += m_recFrameSize.width % 2;
    m_recFrameSize.height += m_recFrameSize.height % 2;
    auto sink = openSink(path, m_recFrameSize, m_recFps);
    if (!sink) {
        post(sink.error(), ui::Message::Level::Error);
        return;
    }
    m_encoder = std::make_unique<AsyncEncoder>(std::move(*sink), 8);
    m_recPath = path;
    m_recStart = Clock::now();
    m_recLast = m_recStart - std::chrono::seconds(10);  // the first frame goes at once
    m_recPending.clear();
    m_offscreen.dropPending();
    m_recStatus.clear();
    post("recording to " + path);
}

cv::Mat Gui::recordingFrame(const cv::Mat& pixels, const std::string& caption) const {
    cv::Mat out = annotate(pixels, caption, m_recColorbar);
    if (out.size() != m_recFrameSize)
        cv::copyMakeBorder(out, out, 0, m_recFrameSize.height - out.rows, 0, m_recFrameSize.width - out.cols, cv::BORDER_CONSTANT);
    return out;
}

void Gui::recordTick() {
    if (!m_encoder) return;
    cv::Mat pixels;
    while (!m_recPending.empty() && m_offscreen.collect(pixels)) {
        const PendingFrame f = m_recPending.front();
        m_recPending.pop_front();
        m_encoder->submit(recordingFrame(pixels, f.caption), f.delayMs);  // dropped and counted when full
    }
    const auto now = Clock::now();
    const double since = std::chrono::duration<double>(now - m_recLast).count();
    if (since < 1.0 / m_recFps || m_recPending.size() >= 2) return;
    const int delayMs = m_encoder->stats().written + int(m_recPending.size()) == 0 ? int(1000.0 / m_recFps)
                                                                                   : int(std::lround(since * 1000.0));
    renderOffscreen(m_recSize);
    m_offscreen.requestRead();
    m_recPending.push_back({currentCaption(), std::max(20, delayMs)});
    m_recLast = now;
}

void Gui::stopRecording() {
    if (!m_encoder) return;
    cv::Mat pixels;
    while (!m_recPending.empty() && m_offscreen.collect(pixels)) {
        m_encoder->submit(recordingFrame(pixels, m_recPending.front().caption), m_recPending.front().delayMs, true);
        m_recPending.pop_front();
    }
    m_recPending.clear();
    Status st = m_encoder->finish();
    const EncoderStats s = m_encoder->stats();
    m_encoder.reset();
    m_recStatus = st ? cv::format("saved %s: %d frames, %d dropped, %.1f ms encode per frame", m_recPath.c_str(), s.written,
                                  s.dropped, s.encodeMs)
                     : st.error();
    post(m_recStatus, st);
}

void Gui::startSweep(bool layers) {
    if (m_jobs.running("sweep")) {
        post("a sweep is already running");
        return;
    }
    if (m_act.empty()) {
        post("nothing to sweep yet");
        return;
    }
    SweepOptions o;
    o.modelLabel = m_pipeline->model().label();
    o.frameIndex = m_result.frameIndex;
    const double fps = m_pipeline->stats().sourceFps;
    o.seconds = fps > 0 ? double(m_result.frameIndex) / fps : 0.0;
    o.size = ui::kRecordSizes[std::clamp(m_inputs.recordSize, 0, ui::kRecordSizeCount - 1)];
    o.colormap = m_view.colormap;
    o.norm = m_view.norm;
    const std::string path = datedName(layers ? "cnnscope-layers-" : "cnnscope-" + m_shownLayer + "-", ".gif");
    // The layer sweep's forward runs on the inference thread; the GIF is written on the job's.
    std::shared_ptr<std::future<LayerActs>> future;
    if (layers) future = std::make_shared<std::future<LayerActs>>(m_pipeline->computeLayers(m_result.frame.clone(), m_layerNames));
    auto work = [o, path, future, names = m_layerNames, channel = m_view.channel, act = m_act.clone(),
                 layer = m_shownLayer](JobProgress& progress) mutable -> Status {
        o.cancel = &progress.cancel;
        o.progress = [&progress](int done, int total) {
            progress.done = done;
            progress.total = total;
        };
        if (!future) return writeSweepGif(path, channelSweep(act, layer), o);
        auto acts = awaitLayers(*future);
        return acts ? writeSweepGif(path, layerSweep(*acts, names, channel), o) : Status(Error{acts.error()});
    };
    m_jobs.run<Status>("sweep", work, [this, path](Status& st) {
        m_sweepStatus = st ? "saved " + path : st.error();
        post(m_sweepStatus, st);
    });
}

void Gui::drawOverlays(const gfx::PixelRect& area) {
    ImDrawList* dl = ImGui::GetForegroundDrawList();
    const int C = channels();
    const std::string caption = cnnscope::caption(m_view, captionFacts(), CaptionFor::Screen);
    dl->AddRectFilled(ImVec2(float(area.x), 0), ImVec2(float(area.x + area.w), 22), IM_COL32(0, 0, 0, 170));
    dl->AddText(ImVec2(float(area.x + 8), 4), IM_COL32(255, 255, 255, 255), caption.c_str());
    float y = 26;
    auto banner = [&](const std::string& text, ImU32 colour) {
        if (text.empty()) return;
        dl->AddRectFilled(ImVec2(float(area.x), y), ImVec2(float(area.x + area.w), y + 20), IM_COL32(0, 0, 0, 190));
        dl->AddText(ImVec2(float(area.x + 8), y + 3), colour, text.c_str());
        y += 22;
    };
    if (m_pipeline->model().untrained()) banner("UNTRAINED weights (seeded He init): structure, not learned features", IM_COL32(255, 190, 60, 255));
    banner(m_sourceNote, IM_COL32(255, 190, 60, 255));
    banner(m_pipeline->sourceError(), IM_COL32(255, 90, 80, 255));
    banner(m_pipeline->inferenceError(), IM_COL32(255, 90, 80, 255));
    if (!m_renderer.hasActivations()) banner("waiting for the first result...", IM_COL32(200, 200, 200, 255));
    if (m_view.compare && m_style && !comparing()) banner("computing the comparison...", IM_COL32(200, 200, 200, 255));
    if (comparing()) {
        const int C = m_gramRenderer.mapSize().width;
        for (int side = 0; side < 2; ++side) {
            const gfx::CompareRects& r = m_cmp[side];
            const CompareLabels l = compareLabels(side, m_pipeline->styleLabel(), m_shownLayer, C, m_gramDistance, CaptionFor::Screen);
            dl->AddText(ImVec2(float(r.frame.x), float(r.frame.y - 17)), IM_COL32(255, 255, 255, 255), l.title.c_str());
            dl->AddText(ImVec2(float(r.maps.x), float(r.maps.y - 17)), IM_COL32(200, 200, 200, 255), l.layer.c_str());
            dl->AddText(ImVec2(float(r.gram.x), float(r.gram.y - 17)), IM_COL32(200, 200, 200, 255), l.gram.c_str());
        }
    }

    // Highlight the selected channel in the grid, and the hover read-out.
    if (C > 0 && m_view.mode == ViewMode::Grid) {
        const int idx = m_view.channel - m_grid.first;
        if (idx >= 0 && idx < m_grid.cols * m_grid.rows) {
            const float x = float(m_mapsRect.x + m_grid.originX + m_grid.gutter + (idx % m_grid.cols) * (m_grid.tileW + m_grid.gutter));
            const float yy = float(m_mapsRect.y + m_grid.originY + m_grid.gutter + (idx / m_grid.cols) * (m_grid.tileH + m_grid.gutter));
            dl->AddRect(ImVec2(x - 1, yy - 1), ImVec2(x + float(m_grid.tileW) + 1, yy + float(m_grid.tileH) + 1), IM_COL32(80, 200, 255, 255), 0, 0, 2);
        }
    }
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    // Scripted runs have no user: no hover read-out over the maps they capture.
    if (C > 0 && m_opts.frames == 0 && !ImGui::GetIO().WantCaptureMouse && m_mapsRect.contains(mouse.x, mouse.y)) {
        const int px = int(mouse.x) - m_mapsRect.x, py = int(mouse.y) - m_mapsRect.y;
        const int H = m_act.size[2], W = m_act.size[3];
        int ch = -1, tx = 0, ty = 0;
        if (m_view.mode == ViewMode::Grid) {
            ch = m_grid.channelAt(px, py, C, W, H, &tx, &ty);
        } else {
            ch = std::min(m_view.channel, C - 1);
            tx = std::min(W - 1, int((px + 0.5) * W / m_mapsRect.w));
            ty = std::min(H - 1, int((py + 0.5) * H / m_mapsRect.h));
        }
        if (ch >= 0) {
            const float v = m_act.ptr<float>(0, ch)[ty * W + tx];
            ImGui::SetTooltip("channel %d  (%d, %d)  value %.4g", ch, tx, ty, double(v));
            if (ImGui::IsMouseClicked(0) && m_view.mode == ViewMode::Grid) {
                m_view.channel = ch;
                m_view.mode = ViewMode::Single;
            }
        }
    }
    // Colorbar with the value range of the selected channel.
    if (m_view.showColorbar && C > 0 && !m_ranges.empty()) {
        const Range r = m_ranges[size_t(std::min(m_view.channel, C - 1))];
        const float x1 = float(area.x + area.w - 18), x0 = x1 - 14, top = float(area.h) * 0.25f, h = float(area.h) * 0.5f;
        dl->AddRectFilled(ImVec2(x0 - 70, top - 22), ImVec2(x1 + 4, top + h + 22), IM_COL32(0, 0, 0, 150));
        for (int i = 0; i < 256; ++i) {
            const cv::Vec3b c = lutBgr8(m_view.colormap, 255 - i);
            dl->AddRectFilled(ImVec2(x0, top + h * i / 256.f), ImVec2(x1, top + h * (i + 1) / 256.f), IM_COL32(c[2], c[1], c[0], 255));
        }
        char hi[32], lo[32];
        std::snprintf(hi, sizeof hi, "%.3g", double(r.hi));
        std::snprintf(lo, sizeof lo, "%.3g", double(r.lo) + 0.0);
        dl->AddText(ImVec2(x0 - 64, top - 6), IM_COL32(255, 255, 255, 255), hi);
        dl->AddText(ImVec2(x0 - 64, top + h - 8), IM_COL32(255, 255, 255, 255), lo);
        const std::string what = "ch " + std::to_string(std::min(m_view.channel, C - 1));
        dl->AddText(ImVec2(x0 - 64, top + h * 0.5f - 6), IM_COL32(200, 200, 200, 255), what.c_str());
    }
    if (!m_message.empty()) {
        dl->AddRectFilled(ImVec2(float(area.x), float(area.h - 22)), ImVec2(float(area.x + area.w), float(area.h)), IM_COL32(0, 0, 0, 190));
        dl->AddText(ImVec2(float(area.x + 8), float(area.h - 19)), IM_COL32(200, 255, 200, 255), m_message.c_str());
    }
}

ui::PanelInfo Gui::panelInfo() const {
    ui::PanelInfo info;
    const Model& m = m_pipeline->model();
    info.modelLabel = m.label();
    info.modelSource = m.source();
    info.untrained = m.untrained();
    info.target = m.target().actual;
    info.targetNote = m.target().note;
    info.targets = availableTargets();
    info.inputSize = m.preprocessing().size;
    info.sourceDescription = m_pipeline->sourceDescription();
    info.live = m_pipeline->sourceIsLive();
    info.still = m_pipeline->sourceIsStill();
    info.paused = m_pipeline->paused();
    info.loop = m_pipeline->loop();
    info.speed = m_pipeline->speed();
    const PipelineStats s = m_pipeline->stats();
    info.frameIndex = s.frameIndex;
    info.captureFps = s.captureFps;
    info.inferFps = s.inferFps;
    info.inferMs = s.inferMs;
    info.dropped = s.framesDropped;
    info.inferences = s.inferences;
    info.renderFps = m_renderFps;
    info.latencyP50 = percentile(m_latencies, 50);
    info.latencyP95 = percentile(m_latencies, 95);
    info.rssMb = residentMemoryMb();
    info.channels = channels();
    info.recording = m_encoder != nullptr;
    info.recordTarget = m_recPath;
    if (m_encoder) {
        const EncoderStats e = m_encoder->stats();
        info.recordStatus = cv::format("%.1f s, %d frames written, %d dropped, %.0f ms encode per frame",
                                       std::chrono::duration<double>(Clock::now() - m_recStart).count(), e.written, e.dropped,
                                       e.encodeMs);
    } else {
        info.recordStatus = m_recStatus;
    }
    if (int done = 0, total = 0; m_jobs.progress("sweep", done, total))
        info.sweepStatus = "sweep: " + std::to_string(done) + "/" + std::to_string(total) + " frames";
    else
        info.sweepStatus = m_sweepStatus;
    if (m_style && !m_pipeline->styleLabel().empty()) {
        info.styleLabel = m_style->label();
        info.styleSource = m_style->source();
        info.styleSize = m_style->runSize(m_result.original.empty() ? m_result.frame.size() : m_result.original.size());
        info.styleMs = m_result.styleMs;
        info.gramDistance = m_gramDistance;
    }
    info.sourceNote = m_sourceNote;
    info.messages = m_messages;
    info.styleNames = m_styleNames;
    info.styleHave = m_styleHave;
    for (const auto& l : m.layers())
        if (l.spatial() && l.name != "input") {
            info.layerNames.push_back(l.name);
            info.layerShapes.push_back(shapeText(l.shape));
            info.layerRf.push_back(l.receptiveField);
        }
    return info;
}

Status Gui::saveWindowScreenshot(const std::string& path) {
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    return writeImageAtomic(path, gfx::readPixels({0, 0, fbW, fbH}, fbH));
}

Status Gui::writeStats(const std::string& path) {
    const PipelineStats s = m_pipeline->stats();
    const double seconds = std::chrono::duration<double>(Clock::now() - m_scriptStart).count();
    const uint64_t inferences = s.inferences - m_scriptInferStart;
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    const char* modes[] = {"grid", "single", "overlay", "frame"};
    std::ostringstream j;
    j << "{\n"
      << "  \"frames\": " << m_scriptFrames << ",\n"
      << "  \"seconds\": " << seconds << ",\n"
      << "  \"render_fps\": " << (seconds > 0 ? m_scriptFrames / seconds : 0) << ",\n"
      << "  \"inference_fps\": " << (seconds > 0 ? double(inferences) / seconds : 0) << ",\n"
      << "  \"inferences\": " << inferences << ",\n"
      << "  \"inference_ms\": " << s.inferMs << ",\n"
      << "  \"inferences_after_idle\": " << (m_inferencesAtIdle >= 0 ? int64_t(s.inferences) - m_inferencesAtIdle : -1) << ",\n"
      << "  \"capture_fps\": " << s.captureFps << ",\n"
      << "  \"latency_ms\": {\"p50\": " << percentile(m_latencies, 50) << ", \"p95\": " << percentile(m_latencies, 95)
      << ", \"samples\": " << m_latencies.size() << "},\n"
      << "  \"frames_captured\": " << s.framesCaptured << ",\n"
      << "  \"dropped_frames\": " << s.framesDropped << ",\n"
      << "  \"source_failures\": " << s.sourceFailures << ",\n"
      << "  \"source_reconnects\": " << s.sourceReconnects << ",\n"
      << "  \"rss_mb\": " << residentMemoryMb() << ",\n"
      << "  \"model\": \"" << jsonEscape(m_pipeline->model().label()) << "\",\n"
      << "  \"style\": \"" << jsonEscape(m_pipeline->styleLabel()) << "\",\n"
      << "  \"compare\": " << (comparing() ? "true" : "false") << ",\n"
      << "  \"gram_distance\": " << m_gramDistance << ",\n"
      << "  \"compare_rects\": [" << [&] {
             std::string t;
             for (int side = 0; side < 2; ++side) {
                 auto rect = [](const gfx::PixelRect& r) {
                     return cv::format("{\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}", r.x, r.y, r.w, r.h);
                 };
                 t += cv::format("%s{\"frame\": %s, \"maps\": %s, \"gram\": %s}", side ? ", " : "", rect(m_cmp[side].frame).c_str(),
                                 rect(m_cmp[side].maps).c_str(), rect(m_cmp[side].gram).c_str());
             }
             return t;
         }() << "],\n"
      << "  \"untrained\": " << (m_pipeline->model().untrained() ? "true" : "false") << ",\n"
      << "  \"target\": \"" << m_pipeline->model().target().actual << "\",\n"
      << "  \"source\": \"" << jsonEscape(m_pipeline->sourceDescription()) << "\",\n"
      << "  \"frame_index\": " << m_result.frameIndex << ",\n"
      << "  \"layer\": \"" << jsonEscape(m_shownLayer) << "\",\n"
      << "  \"channel\": " << m_view.channel << ",\n"
      << "  \"channels\": " << channels() << ",\n"
      << "  \"view\": \"" << modes[int(m_view.mode)] << "\",\n"
      << "  \"colormap\": \"" << colormapName(m_view.colormap) << "\",\n"
      << "  \"window\": {\"width\": " << fbW << ", \"height\": " << fbH << "},\n"
      << "  \"maps_rect\": {\"x\": " << m_mapsRect.x << ", \"y\": " << m_mapsRect.y << ", \"width\": " << m_mapsRect.w
      << ", \"height\": " << m_mapsRect.h << "},\n"
      << "  \"grid\": {\"cols\": " << m_grid.cols << ", \"rows\": " << m_grid.rows << ", \"first\": " << m_grid.first
      << ", \"tile_width\": " << m_grid.tileW << ", \"tile_height\": " << m_grid.tileH << ", \"gutter\": " << m_grid.gutter
      << ", \"origin_x\": " << m_grid.originX << ", \"origin_y\": " << m_grid.originY << "}\n"
      << "}\n";
    return writeTextAtomic(path, j.str());
}

int Gui::run() {
    if (const int rc = startup(); rc != kStarted) return rc;
    while (frame()) {
    }
    return shutdown();
}

// [SECTION] Startup: options -> view, model, style, source, window, pipeline.

int Gui::startup() {
    m_scripted = m_opts.frames > 0;
    // Scripted runs start from the defaults (reproducible); the window from the saved settings,
    // with what the command line gives on top.
    if (!m_scripted) m_settings = ui::loadSettings(ViewState());
    for (const auto& p : m_settings.problems) cli::warn(p);
    m_view = m_settings.view;
    if (auto st = applyViewOptions(); !st) return cli::fail(st.error());
    std::vector<std::string> warnings;  // also on stderr; the panel lists them too
    auto model = cli::loadModel(m_opts.common, &warnings);
    if (!model) return cli::fail(model.error());
    if (auto st = applyModelOptions(*model, warnings); !st) return cli::fail(st.error());
    auto spec = chooseSource();
    if (!spec) return cli::fail(spec.error());
    std::string error;
    if (!setupWindow(error)) {
        teardown();
        return cli::fail(error);
    }
    m_pipeline = std::make_unique<Pipeline>(std::move(*model));
    m_pipeline->setLayer(m_view.layer);
    m_pipeline->setPaused(m_opts.paused);
    m_pipeline->setStyle(m_style);
    m_pipeline->setCompare(m_view.compare);
    if (auto st = m_pipeline->openSource(*spec); !st) post(st.error(), st);
    for (const auto& w : warnings) post(w, ui::Message::Level::Warning);
    for (const auto& p : m_settings.problems) post(p, ui::Message::Level::Warning);
    m_spec = *spec;
    m_inputs.sourceText = *spec;
    m_inputs.modelText = m_opts.common.model;
    m_inputs.recordPath = m_opts.record;
    m_nextFrame = Clock::now();
    return kStarted;
}

Status Gui::applyViewOptions() {
    if (!m_opts.size.empty()) {
        auto size = parseSize(m_opts.size, 320, 8192);
        if (!size) return Error{"--size: " + size.error()};
        m_view.windowW = size->width;
        m_view.windowH = size->height;
    }
    auto norm = parseNormalization(m_opts.common.normalize, m_opts.common.gamma);
    if (!norm) return Error{"--normalize: " + norm.error()};
    auto cmap = parseColormap(m_opts.common.colormap);
    if (!cmap) return Error{"--colormap: " + cmap.error()};
    if (m_scripted || m_opts.normalizeGiven) {
        const float gamma = m_view.norm.gamma;
        m_view.norm = *norm;
        if (!m_scripted && !m_opts.gammaGiven) m_view.norm.gamma = gamma;
    }
    if (m_scripted || m_opts.gammaGiven) m_view.norm.gamma = norm->gamma;
    if (m_scripted || m_opts.colormapGiven) m_view.colormap = *cmap;
    auto keys = parseKeyList(m_opts.keys);
    if (!keys) return Error{keys.error()};
    m_scriptKeys = std::move(*keys);
    if ((!m_opts.screenshot.empty() || !m_opts.stats.empty()) && !m_scripted)
        return Error{"--screenshot and --stats need --frames N (a scripted run)"};
    if (!m_opts.record.empty() && !m_scripted) return Error{"--record needs --frames N (a scripted run); press r in the window instead"};
    for (const std::string& out : {m_opts.screenshot, m_opts.stats})
        if (!out.empty())
            if (auto f = AtomicFile::create(out); !f) return Error{f.error()};
    return {};
}

Status Gui::applyModelOptions(const Model& model, std::vector<std::string>& warnings) {
    m_layerNames = model.spatialLayerNames();
    if (!m_opts.layer.empty()) {
        if (auto l = model.requireSpatialLayer(m_opts.layer); !l) return Error{l.error()};
        m_view.layer = m_opts.layer;
    }
    if (!model.requireSpatialLayer(m_view.layer)) m_view.layer = model.defaultLayer();
    if (m_opts.channel >= 0) {
        m_view.channel = m_opts.channel;
        m_view.mode = ViewMode::Single;
        if (auto st = cli::requireLayerChannel(model, m_view.layer, m_opts.channel); !st) return st;
    }
    if (m_opts.grid) m_view.mode = ViewMode::Grid;

    if (m_opts.compare && m_opts.common.style.empty()) return Error{"--compare needs --style (a style network to compare with)"};
    if (!m_opts.common.style.empty()) {
        auto stage = cli::loadStyle(m_opts.common, &warnings);
        if (!stage) return Error{stage.error()};
        m_style = std::make_shared<StyleStage>(std::move(stage->value()));
        m_inputs.styleText = m_opts.common.style;
        m_view.compare = m_opts.compare;
    } else if (!m_opts.common.styleSize.empty()) {
        return Error{"--style-size needs --style"};
    }
    if (auto zoo = loadZoo(); zoo)
        for (const ZooEntry& e : *zoo)
            if (e.style()) {  // "not fetched" exactly when loading it by name would fail
                m_styleNames.push_back(e.name);
                m_styleHave.push_back(resolveModelFile(e.name, "--style", *zoo).ok());
            }
    return {};
}

Expected<std::string> Gui::chooseSource() {
    // The source: as given, else the first camera, else sample footage (and say so).
    std::string spec = m_opts.source;
    if (spec.empty()) {
        if (FrameSource::open("0")) spec = "0";
        else if (std::filesystem::exists(kSampleFootage)) {
            spec = kSampleFootage;
            m_sourceNote = "No camera found: showing sample footage (vtest.avi). Open a camera or file in the panel.";
        } else {
            return Error{"no camera found and no sample footage at " + std::string(kSampleFootage) +
                         "; give a SOURCE (cnnscope view FILE) or apt-get install opencv-doc"};
        }
    }
    auto probe = FrameSource::open(spec);
    if (!probe) return Error{probe.error()};
    probe->reset();
    return spec;
}

// [SECTION] The loop: one UI frame.

bool Gui::frame() {
    if (m_window.shouldClose() || interrupted()) return false;
    // Pace to the target rate; input events wake us early.
    const double wait = std::chrono::duration<double>(m_nextFrame - Clock::now()).count();
    const std::vector<int> keys = m_window.pollKeys(std::max(0.0, wait));
    m_nextFrame = std::max(m_nextFrame + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / kTargetFps)),
                           Clock::now() - std::chrono::milliseconds(100));

    const bool keyboardBusy = ImGui::GetIO().WantCaptureKeyboard;
    for (int key : keys)
        if (auto action = actionForKey(key, keyboardBusy)) applyKey(*action);
    takeResults();

    m_window.beginFrame();
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    if (m_view.showPanel) {
        ui::PanelEvents events;
        ui::drawPanel(m_view, m_inputs, panelInfo(), kPanelWidth, float(fbH), events);
        for (const ui::PanelEvent& e : events) applyPanelEvent(e);
    }
    drawFrame();
    recordTick();
    drawOverlays(viewArea());
    if (m_view.showHelp) ui::drawHelp(&m_view.showHelp, helpRows());
    m_window.renderImGui();

    ++m_framesRendered;
    ++m_fpsWindowFrames;
    const double fpsWindow = std::chrono::duration<double>(Clock::now() - m_fpsWindowStart).count();
    if (fpsWindow >= 1.0) {
        m_renderFps = double(m_fpsWindowFrames) / fpsWindow;
        m_fpsWindowFrames = 0;
        m_fpsWindowStart = Clock::now();
    }
    const bool more = !m_scripted || !m_renderer.hasActivations() || scriptStep();
    m_window.swap();
    return more;
}

// [SECTION] Scripted run: keys, then N frames of the requested view, then the files asked for.

bool Gui::scriptStep() {
    if (!m_scriptKeys.empty() && m_scriptKeys.front() == KeyAction::Idle) {
        // Wait until nothing is being computed for the view (the paused-frame prefetch included).
        if (!m_jobs.running("prefetch") && m_shownLayer == m_view.layer) {
            m_scriptKeys.erase(m_scriptKeys.begin());
            m_inferencesAtIdle = int64_t(m_pipeline->stats().inferences);
        }
        return true;
    }
    if (!m_scriptKeys.empty()) {
        applyKey(m_scriptKeys.front());  // one scripted key per frame, like a person typing
        m_scriptKeys.erase(m_scriptKeys.begin());
        return true;
    }
    if (m_shownLayer != m_view.layer) return true;
    if (!m_scriptStarted) {
        m_scriptStarted = true;
        if (!m_opts.record.empty()) {
            startRecording(m_opts.record);
            if (!m_encoder) {
                m_exitCode = cli::fail(m_message);
                return false;
            }
        }
        m_scriptStart = Clock::now();
        m_scriptInferStart = m_pipeline->stats().inferences;
        m_latencies.clear();
    }
    if (++m_scriptFrames < m_opts.frames) return true;
    if (m_encoder) {
        stopRecording();
        if (m_recStatus.rfind("saved", 0) != 0) m_exitCode = cli::fail(m_recStatus);
        else std::fprintf(stderr, "view: %s\n", m_recStatus.c_str());
    }
    if (!m_opts.screenshot.empty())
        if (auto st = saveWindowScreenshot(m_opts.screenshot); !st) m_exitCode = cli::fail(st.error());
    if (!m_opts.stats.empty())
        if (auto st = writeStats(m_opts.stats); !st) m_exitCode = cli::fail(st.error());
    m_scriptCompleted = true;
    return false;
}

// [SECTION] Shutdown: finish a recording, stop the threads, save the settings, close the window.

int Gui::shutdown() {
    // Closing the window, q, Ctrl-C or SIGTERM: a recording in progress is finished, not lost.
    if (m_encoder) {
        stopRecording();
        std::fprintf(stderr, "cnnscope: %s\n", m_recStatus.c_str());
    }
    if (m_scripted && !m_scriptCompleted && m_exitCode == 0) {
        // Stopped before --frames: say so, and never exit 0 without what was asked.
        const bool signalled = interrupted();
        std::string unwritten;
        for (const auto& [opt, path] : {std::pair{"--screenshot", m_opts.screenshot}, std::pair{"--stats", m_opts.stats}})
            if (!path.empty()) unwritten += (unwritten.empty() ? "" : " and ") + std::string(opt) + " " + path;
        cli::fail("the scripted run was stopped (" + std::string(signalled ? "interrupted" : "window closed, q or Esc") + ") after " +
                  std::to_string(m_scriptFrames) + " of " + std::to_string(m_opts.frames) + " frames" +
                  (unwritten.empty() ? std::string() : ": " + unwritten + " not written"));
        m_exitCode = signalled ? 130 : 1;
    }
    m_pipeline->stop();  // answers a pending layer-sweep or prefetch request
    m_jobs.cancelAndJoin();
    if (!m_scripted && m_settings.writable) {
        m_window.windowSize(m_view.windowW, m_view.windowH);
        if (auto st = ui::saveSettings(m_view); !st) cli::warn("settings not saved: " + st.error());
    }
    teardown();
    return m_exitCode;
}

}  // namespace

void registerView(CLI::App& app, std::function<int()>& action, std::function<int()>& defaultAction) {
    static ViewOptions opts;
    auto* view = app.add_subcommand("view", "Open the live window on a video, image, camera index, GStreamer pipeline or URL "
                                            "(no SOURCE: camera 0, else sample footage)");
    view->add_option("SOURCE", opts.source, "Image, video file, camera index, GStreamer pipeline or URL");
    view->add_option("--layer", opts.layer, "Layer to show first (default: the model's first conv layer, or the last one used)");
    auto* channel = view->add_option("--channel", opts.channel, "Show this channel alone");
    view->add_flag("--grid", opts.grid, "Show the grid of channels")->excludes(channel);
    view->add_option("--frames", opts.frames,
                     "Scripted run: render N frames once the requested view is on screen, then exit (with --screenshot/--stats)");
    view->add_option("--screenshot", opts.screenshot, "Scripted run: save a PNG of the window at the end");
    view->add_option("--stats", opts.stats, "Scripted run: save render/inference fps, latency, layout as JSON at the end");
    view->add_option("--record", opts.record, "Scripted run: record the view to F.gif, F.mp4 or a new folder while it runs");
    view->add_option("--keys", opts.keys,
                     "Scripted run: keys to press first, comma-separated (e.g. right,right,pagedown,g); 'idle' waits until "
                     "the view is computed");
    view->add_option("--size", opts.size, "Window size WxH (default 1280x720, or the last one used)");
    view->add_flag("--paused", opts.paused, "Start paused on the first frame");
    view->add_flag("--compare", opts.compare,
                   "With --style: original and stylised side by side, with their maps and Gram matrices (key c)");
    cli::addModelOptions(*view, opts.common);
    cli::addDisplayOptions(*view, opts.common);
    cli::addStyleOptions(*view, opts.common);
    view->callback([&, view] {
        opts.colormapGiven = view->count("--colormap") > 0;
        opts.normalizeGiven = view->count("--normalize") > 0;
        opts.gammaGiven = view->count("--gamma") > 0;
        action = [] { return Gui(opts).run(); };
    });
    defaultAction = [] { return Gui(opts).run(); };
}

}  // namespace cnnscope::app
