// The live visualizer: startup (options -> session), the loop, the scripted run and shutdown.
// Capture and inference run on their own threads (core/pipeline) and hand over latest-wins;
// only this thread touches GL. The other parts of the window: see app/gui_impl.hpp.
#include "app/gui_impl.hpp"

namespace cnnscope::app {

namespace detail {

bool Gui::setupWindow(std::string& error) {
    return m_window.open(m_view.windowW, m_view.windowH, error) && m_renderer.init(&error) && m_views.initGl(&error);
}

void Gui::teardown() {
    if (m_pipeline) m_pipeline->stop();
    if (!m_window.isOpen()) return;
    m_renderer = gfx::ActivationRenderer();  // GL objects go while the context is current
    m_views.releaseGl();
    m_offscreen = gfx::OffscreenTarget();
    m_history.gif.reset();
    m_window.close();
}

int Gui::run() {
    if (const int rc = startup(); rc != kStarted) return rc;
    while (frame()) {
    }
    return shutdown();
}

// [SECTION] Startup: options -> view, model, style, source, window, pipeline.

int Gui::startup() {
    m_run.scripted = m_opts.frames > 0;
    // Scripted runs start from the defaults (reproducible); the window from the saved settings,
    // with what the command line gives on top.
    if (!m_run.scripted) m_run.settings = ui::loadSettings(ViewState());
    for (const auto& p : m_run.settings.problems) session::warn(p);
    m_view = m_run.settings.view;
    if (auto st = applyViewOptions(); !st) return session::fail(st.error());
    std::vector<std::string> warnings;  // also on stderr; the panel lists them too
    auto model = session::loadModel(m_opts.common, &warnings);
    if (!model) return session::fail(model.error());
    if (auto st = applyModelOptions(*model, warnings); !st) return session::fail(st.error());
    if (auto st = checkViewOutputs(&*model); !st) return session::fail(st.error());
    for (const auto& v : m_views.all())
        if (auto st = v->beforeWindow(m_opts, *model, m_view.layer); !st) return session::fail(st.error());
    if (!m_opts.model2.empty()) m_inputs.model2Text = m_opts.model2;
    auto spec = chooseSource();
    if (!spec) return session::fail(spec.error());
    std::string error;
    if (!setupWindow(error)) {
        teardown();
        return session::fail(error);
    }
    m_pipeline = std::make_unique<Pipeline>(std::move(*model));
    m_pipeline->setLayer(m_view.layer);
    m_pipeline->setPaused(m_opts.paused);
    m_pipeline->setStyle(m_style.stage);
    m_pipeline->setCompare(m_view.compare);
    if (auto st = m_pipeline->openSource(*spec); !st) post(st.error(), st);
    for (const auto& v : m_views.all()) {
        ViewContext c = context();
        if (auto st = v->afterPipeline(m_opts, c); !st) return session::fail(st.error());
    }
    m_view.atlas = m_opts.atlas;
    m_history.frames().setBudget(size_t(m_opts.historyMb) << 20);
    for (const auto& w : warnings) post(w, ui::Message::Level::Warning);
    for (const auto& p : m_run.settings.problems) post(p, ui::Message::Level::Warning);
    m_source.spec = *spec;
    m_inputs.sourceText = *spec;
    m_inputs.modelText = m_opts.common.model;
    m_inputs.recordPath = m_opts.record;
    m_run.nextFrame = Clock::now();
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
    if (m_run.scripted || m_opts.normalizeGiven) {
        const float gamma = m_view.norm.gamma;
        m_view.norm = *norm;
        if (!m_run.scripted && !m_opts.gammaGiven) m_view.norm.gamma = gamma;
    }
    if (m_run.scripted || m_opts.gammaGiven) m_view.norm.gamma = norm->gamma;
    if (m_run.scripted || m_opts.colormapGiven) m_view.colormap = *cmap;
    if (!m_opts.backprop.empty() && m_opts.backprop != "off") {
        auto mode = parseReluMode(m_opts.backprop);
        if (!mode) return Error{"--backprop: " + mode.error()};
        m_inputs.backprop = 1 + int(*mode);
    }
    if (m_opts.input) m_view.showInput = true;
    if (m_opts.topk) m_inputs.topk = true;
    if (!m_opts.hover.empty()) {
        int x = 0, y = 0;
        char end = 0;
        if (std::sscanf(m_opts.hover.c_str(), "%d,%d%c", &x, &y, &end) != 2 || x < 0 || y < 0)
            return Error{"--hover: expected X,Y in window pixels (e.g. 900,300), got '" + m_opts.hover + "'"};
        if (!m_run.scripted) return Error{"--hover needs --frames N (a scripted run); move the pointer in the window instead"};
        m_hover.at = cv::Point(x, y);
    }
    auto keys = parseKeyList(m_opts.keys, &m_run.scriptArgs);
    if (!keys) return Error{keys.error()};
    m_script.configure(m_opts.frames, std::move(*keys));
    if ((!m_opts.screenshot.empty() || !m_opts.stats.empty()) && !m_run.scripted)
        return Error{"--screenshot and --stats need --frames N (a scripted run)"};
    for (const auto& v : m_views.all())
        if (auto st = v->checkOptions(m_opts, m_run.scripted); !st) return st;
    if (!m_opts.transfer.empty()) {
        m_inputs.transferStyle = m_opts.transfer;
        m_inputs.transferIterations = m_opts.transferIterations;
    }
    if (!m_opts.record.empty() && !m_run.scripted) return Error{"--record needs --frames N (a scripted run); press r in the window instead"};
    if (auto st = checkViewOutputs(nullptr); !st) return st;  // before any work (the model is checked again once loaded)
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
        if (auto st = session::requireLayerChannel(model, m_view.layer, m_opts.channel); !st) return st;
    }
    if (m_opts.grid) m_view.mode = ViewMode::Grid;

    if (m_opts.compare && m_opts.common.style.empty()) return Error{"--compare needs --style (a style network to compare with)"};
    if (!m_opts.common.style.empty()) {
        auto stage = session::loadStyle(m_opts.common, &warnings);
        if (!stage) return Error{stage.error()};
        m_style.stage = std::make_shared<StyleStage>(std::move(stage->value()));
        m_inputs.styleText = m_opts.common.style;
        m_view.compare = m_opts.compare;
    } else if (!m_opts.common.styleSize.empty()) {
        return Error{"--style-size needs --style"};
    }
    if (auto zoo = loadZoo(); zoo)
        for (const ZooEntry& e : *zoo)
            if (e.style()) {  // "not fetched" exactly when loading it by name would fail
                m_style.names.push_back(e.name);
                m_style.have.push_back(resolveModelFile(e.name, "--style", *zoo).ok());
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
            m_source.note = "No camera found: showing sample footage (vtest.avi). Open a camera or file in the panel.";
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
    const double wait = std::chrono::duration<double>(m_run.nextFrame - Clock::now()).count();
    const std::vector<int> keys = m_window.pollKeys(std::max(0.0, wait));
    m_run.nextFrame = std::max(m_run.nextFrame + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / kTargetFps)),
                           Clock::now() - std::chrono::milliseconds(100));

    const bool keyboardBusy = ImGui::GetIO().WantCaptureKeyboard;
    if (!keys.empty()) m_stats.inputEvent();
    for (int key : keys)
        if (auto action = actionForKey(key, keyboardBusy)) applyKey(*action);
    takeResults();
    historyTick();
    pollDownload();
    {
        ViewContext c = context();
        m_views.tick(c);
    }

    m_stats.frameBegins();
    m_window.beginFrame();
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    if (m_view.showPanel) {
        ui::PanelEvents events;
        ui::drawPanel(m_view, m_inputs, panelInfo(), kPanelWidth, float(fbH), events);
        for (const ui::PanelEvent& e : events) applyPanelEvent(e);
    }
    decideCanvas();
    drawFrame();
    recordTick();
    drawOverlays(viewArea());
    drawTimeline(viewArea());
    if (m_view.showHelp) ui::drawHelp(&m_view.showHelp, helpRows());
    m_window.renderImGui();

    m_stats.frameDrawn();
    const bool more = !m_run.scripted || !m_renderer.hasActivations() || scriptStep();
    m_window.swap();
    m_stats.frameSwapped();
    return more;
}

// [SECTION] Scripted run: keys, then N frames of the requested view, then the files asked for.

bool Gui::viewComputed() const {
    if (m_jobs.running("prefetch") || m_jobs.running("history-gif") || m_maps.layer != m_view.layer || m_download.running() ||
        !convReportCurrent() || m_views.computing(context()))
        return false;  // a view's work for the view on screen (a back-projection, B's maps, a scripted --transfer)
    if (!m_maps.act.empty() && !mapsOfCurrentModel()) return false;  // an input-size or model change has not come through yet
    // A scrubbed history frame's maps are on screen.
    return m_history.showing(m_view.layer);
}

bool Gui::startScriptRecording() {
    startRecording(m_opts.record);
    if (m_recorder.active()) return true;
    m_run.exitCode = session::fail(m_log.status);
    return false;
}

bool Gui::scriptStep() {
    const ScriptedRun::Probe probe{
        [this] { return viewComputed(); },
        [this] { return m_pipeline->stats().inferences; }, [this] { return m_history.frames().stats().pushed; },
        [this] {
            const PipelineStats s = m_pipeline->stats();
            if (m_pipeline->sourceIsStill() && m_history.frames().stats().pushed > 0) return std::string("the source is a still image");
            if (s.ended) return std::string("the source has ended");
            if (s.paused) return std::string("the stream is paused (by space, --paused, a history step or a transfer)");
            return std::string();
        }};
    if (std::optional<KeyAction> key; m_script.keys(probe, key)) {
        if (key) {
            if (*key != KeyAction::Idle && *key != KeyAction::WaitFrame) m_stats.inputEvent();  // shown by the next frame
            m_script.inStep = true;
            applyKey(*key);
            m_script.inStep = false;
        }
        if (m_script.failure().empty()) return true;
    }
    if (!m_script.failure().empty()) {  // a step of --keys failed: the run is not what was asked
        m_run.exitCode = session::fail("--keys: " + m_script.failure());
        m_script.complete();
        return false;
    }
    // A scripted --transfer is recorded while it runs, like the article's GIF of the photo turning
    // into the style (the recording then goes on for --frames more frames of the result).
    if (!m_opts.transfer.empty() && !m_opts.record.empty() && !m_recorder.active() && !m_script.started())
        if (!startScriptRecording()) return false;
    std::string failure;  // a view's scripted work failed (said so: no second "stopped" line)
    if (const int t = m_views.scriptState(context(), &failure); t <= 0) {
        if (t < 0) {
            m_run.exitCode = session::fail(failure);
            m_script.complete();
        }
        return t == 0;
    }
    if (!scriptViewShown()) return true;
    if (!m_script.started()) {
        if (m_views.computing(context())) return true;  // the views' work for the view's frame first (back-projection, B's maps)
        if (!m_opts.record.empty() && !m_recorder.active() && !startScriptRecording()) return false;
        m_script.start(m_pipeline->stats().inferences);
        m_stats.clearLatencies();
    }
    if (m_script.countFrame()) return true;
    if (m_recorder.active()) {
        stopRecording();
        if (m_recorder.status().rfind("saved", 0) != 0) m_run.exitCode = session::fail(m_recorder.status());
        else std::fprintf(stderr, "view: %s\n", m_recorder.status().c_str());
    }
    if (!m_opts.screenshot.empty())
        if (auto st = saveWindowScreenshot(m_opts.screenshot); !st) m_run.exitCode = session::fail(st.error());
    if (!m_opts.stats.empty())
        if (auto st = writeStats(m_opts.stats); !st) m_run.exitCode = session::fail(st.error());
    m_script.complete();
    return false;
}

// The view the scripted run asked for is on screen: its layer, the history frame and what the views show.
bool Gui::scriptViewShown() const {
    if (m_maps.layer != m_view.layer) return false;
    if (!m_history.showing(m_view.layer)) return false;  // a scrubbed kept frame's maps are still to come
    return m_views.showing(context());  // e.g. the atlas of the frame on screen
}

// [SECTION] Shutdown: finish a recording, stop the threads, save the settings, close the window.

int Gui::shutdown() {
    // Closing the window, q, Ctrl-C or SIGTERM: a recording in progress is finished, not lost.
    if (m_recorder.active()) {
        stopRecording();
        std::fprintf(stderr, "cnnscope: %s\n", m_recorder.status().c_str());
    }
    if (m_run.scripted && !m_script.completed() && m_run.exitCode == 0) {
        // Stopped before --frames: say so, and never exit 0 without what was asked.
        const bool signalled = interrupted();
        session::fail(m_script.stoppedMessage(signalled, {{"--screenshot", m_opts.screenshot}, {"--stats", m_opts.stats}}));
        m_run.exitCode = signalled ? 130 : 1;
    }
    m_download.reset();  // cancels and joins a download in progress (its temporary file goes)
    m_views.stop();
    m_pipeline->stop();  // answers a pending layer-sweep or prefetch request
    m_jobs.cancelAndJoin();
    if (!m_run.scripted && m_run.settings.writable) {
        m_window.windowSize(m_view.windowW, m_view.windowH);
        if (auto st = ui::saveSettings(m_view); !st) session::warn("settings not saved: " + st.error());
    }
    teardown();
    return m_run.exitCode;
}

int runWindow(const ViewOptions& opts) { return Gui(opts).run(); }

}  // namespace detail

}  // namespace cnnscope::app
