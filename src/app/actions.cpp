// Actions: keys and panel events applied to the view and the pipeline; results taken from it.
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

void Gui::selectLayer(const std::string& layer) {
    if (layer == m_view.layer && layer == m_maps.layer) return;
    m_view.layer = layer;
    // A layer already computed for the frame on screen shows now, without recomputing.
    // (Not in the compare view: the original frame's maps of that layer are not cached.)
    auto it = m_maps.layerCache.find(layer);
    const bool cached = it != m_maps.layerCache.end() && !(m_view.compare && m_style.stage) && !m_views.mapsOwned();
    m_pipeline->setLayer(layer, !cached);
    if (cached) {
        m_maps.act = it->second;
        m_maps.layer = layer;
        m_maps.refreshRanges(m_view.norm);
        m_renderer.upload(m_maps.act, m_maps.ranges);
    }
}

void Gui::applyKey(KeyAction action) {
    const int C = std::max(1, channels());
    const int step = m_view.mode == ViewMode::Grid ? (m_view.allChannels ? allChannelsCols(C) : m_view.tiles) : 1;
    auto layerIndex = [&] {
        auto it = std::find(m_layerNames.begin(), m_layerNames.end(), m_view.layer);
        return it == m_layerNames.end() ? 0 : int(it - m_layerNames.begin());
    };
    ViewContext c = context();
    if (!m_views.onKey(action, c)) switch (action) {
        case KeyAction::NextChannel: m_view.channel = (m_view.channel + 1) % C; break;
        case KeyAction::PrevChannel: m_view.channel = (m_view.channel + C - 1) % C; break;
        case KeyAction::NextRow: m_view.channel = std::min(C - 1, m_view.channel + step); break;
        case KeyAction::PrevRow: m_view.channel = std::max(0, m_view.channel - step); break;
        case KeyAction::NextLayer: selectLayer(m_layerNames[size_t(std::min(int(m_layerNames.size()) - 1, layerIndex() + 1))]); break;
        case KeyAction::PrevLayer: selectLayer(m_layerNames[size_t(std::max(0, layerIndex() - 1))]); break;
        case KeyAction::TogglePause:
            historyLive();  // from the history back to the live stream
            m_pipeline->setPaused(!m_pipeline->paused());
            break;
        case KeyAction::HistoryBack: historyStep(-1); break;
        case KeyAction::HistoryForward: historyStep(1); break;
        case KeyAction::WaitFrame: break;
        case KeyAction::ToggleGrid: m_view.mode = m_view.mode == ViewMode::Grid ? ViewMode::Single : ViewMode::Grid; break;
        case KeyAction::ToggleOverlay: m_view.mode = m_view.mode == ViewMode::Overlay ? ViewMode::Single : ViewMode::Overlay; break;
        case KeyAction::ToggleCompare:
            if (!m_style.stage) {
                post("compare needs a style network: pick one in the Style section (or --style)");
                break;
            }
            m_view.compare = !m_view.compare;
            m_pipeline->setCompare(m_view.compare);
            break;
        case KeyAction::ToggleAtlas: break;  // the atlas view's
        case KeyAction::Screenshot: takeScreenshot(); break;
        case KeyAction::SaveBareMaps: saveBareMaps(); break;
        case KeyAction::ToggleRecord:
            if (m_recorder.active()) stopRecording();
            else startRecording(m_inputs.recordPath);
            break;
        case KeyAction::ToggleHelp: m_view.showHelp = !m_view.showHelp; break;
        case KeyAction::Quit: m_window.requestClose(); break;
        case KeyAction::CycleConv: cycleConv(); break;
        case KeyAction::Download: startDownload(kDefaultFetchEntry); break;
        case KeyAction::Idle: break;
        case KeyAction::HistoryMark: m_history.mark(); break;
        case KeyAction::HistoryGif: exportHistoryMarkToHere(); break;
        case KeyAction::SetInputSize:
        case KeyAction::SetTarget:
        case KeyAction::SetPrecision:
        case KeyAction::ViewSetting:
        case KeyAction::DownloadEntry:
        case KeyAction::LoadModel: applyScriptArgument(action); break;
    }
    // Keep the selected channel's page on screen in the grid.
    if (m_view.mode == ViewMode::Grid && !m_view.allChannels) m_view.page = m_view.channel / (m_view.tiles * m_view.tiles);
}

void Gui::applyScriptArgument(KeyAction action) {
    // Scripted keys with a value (--keys input=320x240,model=FILE) act as the panel's controls.
    if (m_run.scriptArgs.empty()) return;
    const std::string arg = m_run.scriptArgs.front();
    m_run.scriptArgs.erase(m_run.scriptArgs.begin());
    if (action == KeyAction::LoadModel) {
        m_inputs.modelText = arg;
        applyPanelEvent({ui::PanelEvent::Kind::LoadModel, arg});
    } else if (action == KeyAction::SetPrecision) {
        applyPanelEvent({ui::PanelEvent::Kind::Precision, arg});
    } else if (action == KeyAction::DownloadEntry) {
        applyPanelEvent({ui::PanelEvent::Kind::Download, arg});
    } else if (action == KeyAction::ViewSetting) {  // why=, class=, ablate=, featvis=, channels=: a view's section
        const size_t eq = arg.find('=');
        ViewContext c = context();
        if (!m_views.onScriptArgument(arg.substr(0, eq), arg.substr(eq + 1), c))
            post(arg + ": no view takes '" + arg.substr(0, eq) + "'", ui::Message::Level::Error);
    } else if (action == KeyAction::SetTarget) {
        applyPanelEvent({ui::PanelEvent::Kind::Target, arg});  // the target combo: checked like --target
    } else if (auto size = parseSize(arg, kMinInputSide, kMaxInputSide); size) {
        applyPanelEvent({ui::PanelEvent::Kind::InputSize, {}, *size});
    } else {
        post("input=" + arg + ": " + size.error(), ui::Message::Level::Error);
    }
}

void Gui::applyPanelEvent(const ui::PanelEvent& e) {
    using K = ui::PanelEvent::Kind;
    if (ViewContext c = context(); m_views.onPanelEvent(e, c)) return;  // a view's section (second model, transfer)
    switch (e.kind) {
        case K::SelectLayer: selectLayer(e.text); break;
        case K::NormChanged:
            m_maps.refreshRanges(m_view.norm);
            if (!m_maps.ranges.empty()) m_renderer.uploadRanges(m_maps.ranges);
            break;
        case K::Screenshot: applyKey(KeyAction::Screenshot); break;
        case K::SaveBareMaps: applyKey(KeyAction::SaveBareMaps); break;
        case K::ToggleRecord: applyKey(KeyAction::ToggleRecord); break;
        case K::SweepChannels: startSweep(false); break;
        case K::SweepLayers: startSweep(true); break;
        case K::LoadStyle: {
            auto st = loadStyleStage(e.text);
            post(st ? "style: " + m_style.stage->label() + " from " + m_style.stage->source() : st.error(), st);
            break;
        }
        case K::StyleOff:
            m_style.stage.reset();
            m_pipeline->setStyle(nullptr);
            post("style off");
            break;
        case K::CompareChanged: m_pipeline->setCompare(m_view.compare); break;
        case K::OpenSource: {
            auto st = m_pipeline->openSource(e.text);
            post(st ? "opened " + e.text : st.error(), st);
            if (st) {
                m_source.note.clear();
                m_source.spec = e.text;
            }
            break;
        }
        case K::Target:
            rebuildPipeline([&](Model& m) {
                std::string note;
                Status st = m.setTarget(e.text, &note);
                post(st ? (note.empty() ? "running on " + targetLabel(m.target()) : note) : st.error(), st);
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
        case K::LoadModel: rebuildPipeline([&](Model& m) { return replaceModel(m, e.text); }); break;
        case K::TogglePause: m_pipeline->setPaused(!m_pipeline->paused()); break;
        case K::Step: m_pipeline->step(); break;
        case K::ToggleLoop: m_pipeline->setLoop(!m_pipeline->loop()); break;
        case K::Seek: m_pipeline->seek(int64_t(e.value)); break;
        case K::Speed: m_pipeline->setSpeed(e.value); break;
        case K::ConvMode: setConv(e.text); break;
        case K::Precision: setPrecisionName(e.text); break;
        case K::Download: startDownload(e.text.empty() ? std::string(kDefaultFetchEntry) : e.text); break;
        case K::CancelDownload: cancelDownload(); break;
        case K::LoadModel2:
        case K::UnloadModel2:
        case K::TransferStart:
        case K::TransferStop:
        case K::TransferSave:
        case K::WhyShowChannel:
        case K::ChannelsShow:
        case K::ChannelsReset: break;  // the views'
    }
}

Status Gui::replaceModel(Model& m, const std::string& text) {
    session::CommonOptions o = m_opts.common;
    o.model = text;
    o.untrained = false;
    o.inputSize.clear();
    o.target = m.target().actual;
    o.quiet = true;
    std::vector<std::string> warnings;
    auto loaded = session::loadModel(o, &warnings);
    if (!loaded) return Error{loaded.error()};
    m = std::move(*loaded);
    for (const auto& w : warnings) post(w, ui::Message::Level::Warning);
    post("loaded " + m.label() + " from " + m.source());
    return {};
}

void Gui::post(const std::string& text, ui::Message::Level level) {
    if (text.empty()) return;
    m_log.add(text, level);
    if (level == ui::Message::Level::Error && m_script.inStep) m_script.stepFailed(text);
}

void Gui::post(const std::string& text, const Status& outcome) {
    post(text, outcome ? ui::Message::Level::Info : ui::Message::Level::Error);
}

void Gui::rebuildPipeline(const std::function<Status(Model&)>& change) {
    const bool paused = m_pipeline->paused(), loop = m_pipeline->loop();
    const double speed = m_pipeline->speed();
    const int64_t shownIndex = m_maps.result.frameIndex;  // a paused video comes back on the frame on screen
    Model model = m_pipeline->release();
    if (auto st = change(model); !st) post(st.error(), st);
    m_layerNames = model.spatialLayerNames();
    if (!model.requireSpatialLayer(m_view.layer)) m_view.layer = model.defaultLayer();
    m_pipeline = std::make_unique<Pipeline>(std::move(model));
    m_pipeline->setLayer(m_view.layer);
    m_pipeline->setPaused(paused);
    m_pipeline->setLoop(loop);
    m_pipeline->setSpeed(speed);
    m_pipeline->setStyle(m_style.stage);
    m_pipeline->setCompare(m_view.compare);
    m_maps.layerCache.clear();
    ++m_pipelineGeneration;  // a prefetch in flight answers for the old pipeline: dropped
    m_maps.prefetchFrameId = 0;
    m_maps.resultSeen = 0;
    if (auto st = m_pipeline->openSource(m_source.spec); !st) post(st.error(), st);
    else if (paused && shownIndex > 0 && !m_pipeline->sourceIsLive() && !m_pipeline->sourceIsStill()) m_pipeline->seek(shownIndex);
}

Status Gui::loadStyleStage(const std::string& text) {
    if (text.empty()) return Error{"give a style network: a .t7 or .onnx file, or a models.yml name"};
    session::CommonOptions o = m_opts.common;
    o.style = text;
    o.quiet = true;
    std::vector<std::string> warnings;
    auto stage = session::loadStyle(o, &warnings);
    if (!stage) return Error{stage.error()};
    for (const auto& w : warnings) post(w, ui::Message::Level::Warning);
    m_style.stage = std::make_shared<StyleStage>(std::move(stage->value()));
    m_pipeline->setStyle(m_style.stage);
    m_pipeline->setCompare(m_view.compare);
    m_maps.layerCache.clear();
    return {};
}

void Gui::startPrefetch() {
    m_maps.prefetchFrameId = m_maps.result.frameId;
    const uint64_t frameId = m_maps.result.frameId, generation = m_pipelineGeneration;
    auto future = std::make_shared<std::future<LayerActs>>(m_pipeline->computeLayers(m_maps.result.frame.clone(), m_layerNames));
    m_jobs.run<LayerActs>(
        "prefetch", [future](JobProgress&) { return awaitLayers(*future); },
        [this, frameId, generation, names = m_layerNames](LayerActs& acts) {
            if (!acts || frameId != m_maps.frameId || generation != m_pipelineGeneration) return;
            for (size_t i = 0; i < acts->size() && i < names.size(); ++i) m_maps.layerCache[names[i]] = std::move((*acts)[i]);
        });
}

void Gui::takeResults() {
    m_jobs.poll();  // background results (the prefetch, sweeps) are applied here, on the main thread
    if (ViewContext c = context(); m_views.supplyMaps(c)) return;  // a view's own maps own the view (the transfer's)
    if (!m_pipeline->takeResult(m_maps.result, m_maps.resultSeen)) return;
    m_history.push(m_maps.result);
    if (m_history.scrubbing()) return;  // scrubbing the history: the live result is kept, not shown
    const auto now = Clock::now();
    m_stats.latency(std::chrono::duration<double, std::milli>(now - m_maps.result.captured).count());
    if (m_maps.result.frameId != m_maps.frameId) m_maps.layerCache.clear();
    m_maps.frameId = m_maps.result.frameId;
    if (m_pipeline->paused() || m_pipeline->sourceIsStill()) m_maps.layerCache[m_maps.result.layer] = m_maps.result.act.clone();
    if ((m_pipeline->paused() || m_pipeline->sourceIsStill()) && !m_history.scrubbing() && m_maps.prefetchFrameId != m_maps.result.frameId && !m_jobs.running("prefetch"))
        startPrefetch();
    if (m_maps.result.layer != m_view.layer && m_maps.layerCache.count(m_view.layer)) return;  // stale: a cached layer is shown
    m_maps.act = m_maps.result.act;
    m_maps.layer = m_maps.result.layer;
    m_maps.refreshRanges(m_view.norm);
    {
        ViewContext c = context();
        m_views.onResult(c);  // e.g. the compare view's original side and Gram matrices
    }
    m_renderer.upload(m_maps.act, m_maps.ranges);
    m_renderer.uploadFrame(m_maps.result.frame);
    m_maps.frame = m_maps.result.frame;
}

// [SECTION] What the views are told, and may ask.

ViewContext Gui::context() const {
    Gui& g = const_cast<Gui&>(*this);  // the views may act on the window through WindowActions
    return ViewContext{g.m_view,          g.m_inputs,    *m_pipeline,          m_pipelineGeneration,
                       m_maps.result,     m_maps.act,    m_maps.layer,         m_maps.frameId,
                       g.m_renderer,      m_canvas.screen, m_history.kept(),   g.m_jobs,
                       m_opts.common,     m_run.scripted, m_canvas.plan,       m_canvas.plan.compare,
                       m_style.stage.get(), m_views.mapsOwned(), m_stats.framesRendered(), static_cast<WindowActions&>(g),
                       m_hover.at};
}

void Gui::showMaps(const cv::Mat& act, const std::string& layer, const cv::Mat& frame) {
    m_maps.act = act;
    m_maps.layer = layer;
    m_maps.refreshRanges(m_view.norm);
    m_renderer.upload(m_maps.act, m_maps.ranges);
    m_renderer.uploadFrame(frame);
    m_maps.frame = frame;
}

void Gui::restoreLiveMaps() {
    m_maps.resultSeen = 0;  // the pipeline's frame and maps come back
    m_maps.layerCache.clear();
}

session::CommonOptions Gui::workerModelOptions() const {
    // What the pipeline runs now (the panel may have changed the model, input size or target since
    // startup), as options a worker loads its own copy from. The kernel choice is process-wide.
    const Model& m = m_pipeline->model();
    session::CommonOptions o = m_opts.common;
    o.model = m.untrained() ? std::string() : m.source();
    o.untrained = m.untrained();
    const cv::Size s = m.preprocessing().size;
    o.inputSize = s.area() > 0 ? std::to_string(s.width) + "x" + std::to_string(s.height) : std::string();
    o.target = m.target().actual;
    o.quiet = true;
    return o;
}

}  // namespace cnnscope::app::detail
