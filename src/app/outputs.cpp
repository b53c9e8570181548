// What the window writes: captioned screenshots, recordings (offscreen render, PBO read-back, encoder thread), sweep GIFs, the scripted run's window PNG and stats JSON.
#include "app/gui_impl.hpp"

#include "core/io/npy.hpp"
#include "core/render/colormap.hpp"

#include <cctype>

namespace cnnscope::app::detail {

std::string shapeText(const std::vector<int>& s) {
    std::string t;
    for (size_t i = 0; i < s.size(); ++i) t += (i ? "x" : "") + std::to_string(s[i]);
    return t;
}

CaptionFacts Gui::captionFacts() const {
    CaptionFacts f;
    f.label = pipelineLabel();
    f.layer = m_maps.layer;
    f.channels = channels();
    f.gridFirst = m_canvas.screen.grid.first;
    f.gridCount = m_canvas.screen.grid.cols * m_canvas.screen.grid.rows;
    f.frameIndex = m_maps.result.frameIndex;
    const double fps = m_pipeline->stats().sourceFps;
    if (m_history.captionFrame(fps, f.frameIndex, f.seconds)) {
        // Scrubbing the history: the kept frame whose maps are on screen, not the live one.
    } else if (fps > 0) {
        f.seconds = double(m_maps.result.frameIndex) / fps;  // a file: its own clock
    } else {
        // A camera, stream or still image: time into the recording (like `record`), else since the
        // first frame shown; never before its start (a still image was captured before it).
        const bool rec = m_recorder.active();
        const Clock::time_point at = m_pipeline->sourceIsStill() ? (rec ? Clock::now() : m_maps.result.captured) : m_maps.result.captured;
        const Clock::time_point origin = rec ? m_recorder.started() : m_history.epoch();
        f.seconds = origin == Clock::time_point{} ? 0.0 : std::max(0.0, std::chrono::duration<double>(at - origin).count());
    }
    f.paused = m_pipeline->paused();
    f.gramDistance = -1;
    m_views.captionFacts(f, context());  // the compare view's Gram distance
    return f;
}

std::string Gui::currentCaption() const {
    return caption(m_view, captionFacts(), CaptionFor::File) + m_views.captionSuffix(context());  // e.g. a transfer's iteration
}

cv::Mat Gui::annotate(const cv::Mat& view, const std::string& caption, bool colorbar) const {
    cv::Mat labelled = view;
    labelled = m_views.burnLabels(labelled, context());  // the views' labels (A | B | A - B, the compare column)
    const DrawTarget& drawn = m_canvas.offscreenDrawn;
    const bool gridNumbers = drawn.gridShown && drawn.grid.cols > 0;
    if (!drawn.panes.empty() || gridNumbers) {
        if (labelled.data == view.data) labelled = view.clone();
        auto put = [&](const std::string& t, int x, int y, double scale, cv::Scalar colour, const cv::Rect& clip) {
            const cv::Rect at = clip & cv::Rect(0, 0, labelled.cols, labelled.rows);
            if (at.area() <= 0) return;
            cv::Mat roi = labelled(at);
            cv::putText(roi, t, {x - at.x, y - at.y}, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
        };
        // Each pane's title in its strip, clipped to it.
        for (const gfx::Pane& p : drawn.panes)
            if (!p.titledByView)
                put(p.title, p.titleRect.x + 4, p.titleRect.y + p.titleRect.h - 5, 0.4, cv::Scalar::all(235),
                {p.titleRect.x, p.titleRect.y, p.titleRect.w, p.titleRect.h});
        // The grid's channel numbers above their tiles.
        const gfx::GridLayout& g = drawn.grid;
        const int C = channels();
        if (gridNumbers && g.label > 0)
            for (int i = 0; i < g.cols * g.rows && g.first + i < C; ++i) {
                const int x = drawn.mapsRect.x + g.tileX(i), y = drawn.mapsRect.y + g.tileY(i);
                const bool constant = !constantText(m_maps.extent, g.first + i).empty();
                put(std::to_string(g.first + i) + (constant ? " const" : ""), x + 1, y - 3, 0.35,
                    constant ? cv::Scalar(60, 190, 255) : cv::Scalar::all(200), {x, y - g.label, g.tileW, g.label});
            }
    }
    // The legend in its own column right of the view, and the caption strip under both: the
    // legend's words and numbers never fall into the caption.
    if (colorbar)
        if (const std::vector<Legend> ls = legends(-1); !ls.empty()) labelled = burnLegends(labelled, ls);
    return withCaption(labelled, caption);
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

void Gui::saveBareMaps() {
    // A new folder per save: LAYER.npy (every channel, exact float32), LAYER-chK.png (the
    // selected channel coloured as the window does: core's colorize, the shader's CPU twin, at
    // the map's own size) and frame.png. A failed write removes the folder: no partial save.
    if (m_maps.act.empty() || m_maps.act.dims != 4 || m_maps.ranges.size() != size_t(m_maps.act.size[1])) {
        // A scripted 'b' before the maps (use 'idle' first) fails the run rather than pass unsaved.
        post("nothing to save yet: no maps on screen", m_run.scripted ? ui::Message::Level::Error : ui::Message::Level::Info);
        return;
    }
    const std::string dir = datedName("cnnscope-maps-", "");
    std::error_code ec;
    if (!std::filesystem::create_directory(dir, ec)) {
        post("cannot make the folder " + dir + ": " + (ec ? ec.message() : std::string("it exists")), ui::Message::Level::Error);
        return;
    }
    const int C = m_maps.act.size[1], H = m_maps.act.size[2], W = m_maps.act.size[3];
    const int ch = std::clamp(m_view.channel, 0, C - 1);
    std::string layer = m_maps.layer;
    for (char& k : layer)
        if (!std::isalnum(static_cast<unsigned char>(k)) && k != '_' && k != '-' && k != '.') k = '_';
    const std::string npy = dir + "/" + layer + ".npy", png = dir + "/" + layer + "-ch" + std::to_string(ch) + ".png",
                      framePng = dir + "/frame.png";
    cv::Mat coloured;
    colorize(cv::Mat(H, W, CV_32F, const_cast<float*>(m_maps.act.ptr<float>(0, ch))), m_maps.ranges[size_t(ch)], m_view.norm.gamma, m_view.colormap,
             coloured);
    Status st = writeNpy(npy, m_maps.act);
    if (st) st = writeImageAtomic(png, coloured);
    if (st && !m_maps.frame.empty()) st = writeImageAtomic(framePng, m_maps.frame);
    if (!st) {
        std::filesystem::remove_all(dir, ec);
        post("bare save failed, nothing kept: " + st.error(), ui::Message::Level::Error);
        return;
    }
    m_outputs.savedMaps = {npy, png};
    if (!m_maps.frame.empty()) m_outputs.savedMaps.push_back(framePng);
    post("saved " + dir + "/: " + layer + ".npy, " + layer + "-ch" + std::to_string(ch) + ".png" + (m_maps.frame.empty() ? "" : ", frame.png"));
}

Recorder::Annotate Gui::annotator() const {
    return [this](const cv::Mat& pixels, const std::string& caption, bool colorbar) { return annotate(pixels, caption, colorbar); };
}

void Gui::startRecording(const std::string& requested) {
    if (m_recorder.active()) return;
    if (!m_renderer.hasActivations()) {
        post("nothing to record yet: wait for the first result");
        return;
    }
    RecordSettings settings;
    settings.size = ui::kRecordSizes[std::clamp(m_inputs.recordSize, 0, ui::kRecordSizeCount - 1)];
    settings.fps = std::clamp(double(m_inputs.recordFps), 1.0, 30.0);
    settings.colorbar = m_inputs.recordColorbar;
    const std::string path = requested.empty() ? datedName("cnnscope-", ".gif") : requested;
    if (auto st = m_recorder.start(path, settings, annotator(), m_offscreen); !st) {
        post(st.error(), ui::Message::Level::Error);
        return;
    }
    post("recording to " + path);
}

void Gui::recordTick() {
    m_recorder.tick(m_offscreen, annotator(), [this] {
        renderOffscreen(m_recorder.size());
        return currentCaption();
    });
}

void Gui::stopRecording() {
    if (!m_recorder.active()) return;
    const Status st = m_recorder.stop(m_offscreen, annotator());
    post(m_recorder.status(), st);
}

void Gui::startSweep(bool layers) {
    if (m_jobs.running("sweep")) {
        post("a sweep is already running");
        return;
    }
    if (m_maps.act.empty()) {
        post("nothing to sweep yet");
        return;
    }
    SweepOptions o;
    o.modelLabel = m_pipeline->model().label();
    o.frameIndex = m_maps.result.frameIndex;
    const double fps = m_pipeline->stats().sourceFps;
    o.seconds = fps > 0 ? double(m_maps.result.frameIndex) / fps : 0.0;
    o.size = ui::kRecordSizes[std::clamp(m_inputs.recordSize, 0, ui::kRecordSizeCount - 1)];
    o.colormap = m_view.colormap;
    o.norm = m_view.norm;
    const std::string path = datedName(layers ? "cnnscope-layers-" : "cnnscope-" + m_maps.layer + "-", ".gif");
    // The layer sweep's forward runs on the inference thread; the GIF is written on the job's.
    std::shared_ptr<std::future<LayerActs>> future;
    if (layers) future = std::make_shared<std::future<LayerActs>>(m_pipeline->computeLayers(m_maps.result.frame.clone(), m_layerNames));
    auto work = [o, path, future, names = m_layerNames, channel = m_view.channel, act = m_maps.act.clone(),
                 layer = m_maps.layer](JobProgress& progress) mutable -> Status {
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
        m_outputs.sweepStatus = st ? "saved " + path : st.error();
        post(m_outputs.sweepStatus, st);
    });
}

Status Gui::saveWindowScreenshot(const std::string& path) {
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    return writeImageAtomic(path, gfx::readPixels({0, 0, fbW, fbH}, fbH));
}

// The scripted run's outputs against its inputs and each other (core/io/output_guard.hpp): never the
// source, the model or the style file, never a device, FIFO or folder.
Status Gui::checkViewOutputs(const Model* model) const {
    std::vector<OutputPath> outs;
    if (!m_opts.screenshot.empty()) outs.push_back({"--screenshot", m_opts.screenshot});
    if (!m_opts.stats.empty()) outs.push_back({"--stats", m_opts.stats});
    if (!m_opts.record.empty()) outs.push_back({"--record", m_opts.record, outputKindFor(m_opts.record)});
    if (outs.empty()) return {};
    if (!m_opts.model2.empty())
        if (auto st = checkOutputs({{"--model2", m_opts.model2}}, outs); !st) return st;
    return session::checkRunOutputs(m_opts.common, m_opts.source, outs, model, m_style.stage.get());
}

namespace {
std::string paneNames(const std::vector<gfx::Pane>& panes) {
    std::string t;
    for (const gfx::Pane& p : panes) t += (t.empty() ? "\"" : ", \"") + p.name + "\"";
    return "[" + t + "]";
}
}  // namespace

// This UI frame's canvas plan (which view has what), and what the last offscreen render drew where.
std::string Gui::canvasJson() const {
    auto name = [](const View* v) { return v ? "\"" + std::string(v->name()) + "\"" : std::string("null"); };
    std::string columns;
    for (const View* v : m_canvas.plan.columns) columns += (columns.empty() ? "" : ", ") + name(v);
    return "{\"canvas\": " + name(m_canvas.plan.canvas) + ", \"compare\": " + (m_canvas.plan.compare ? "true" : "false") + ", \"columns\": [" +
           columns + "], \"maps\": " + name(m_canvas.plan.maps) + ", \"window\": {\"maps_rect\": " + gfx::rectJson(m_canvas.screen.mapsRect) +
           ", \"panes\": " + paneNames(m_canvas.screen.panes) + "}, \"offscreen\": {\"maps_rect\": " + gfx::rectJson(m_canvas.offscreenDrawn.mapsRect) +
           ", \"panes\": " + paneNames(m_canvas.offscreenDrawn.panes) + "}}";
}

Status Gui::writeStats(const std::string& path) {
    const PipelineStats s = m_pipeline->stats();
    const double seconds = m_script.seconds();
    const uint64_t inferences = s.inferences - m_script.inferencesAtStart();
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    const char* modes[] = {"grid", "single", "overlay", "frame"};
    std::ostringstream j;
    j << "{\n"
      << "  \"frames\": " << m_script.framesShown() << ",\n"
      << "  \"seconds\": " << seconds << ",\n"
      << "  \"render_fps\": " << (seconds > 0 ? m_script.framesShown() / seconds : 0) << ",\n"
      << "  \"inference_fps\": " << (seconds > 0 ? double(inferences) / seconds : 0) << ",\n"
      << "  \"inferences\": " << inferences << ",\n"
      << "  \"inference_ms\": " << s.inferMs << ",\n"
      << "  \"inferences_after_idle\": " << (m_script.inferencesAtIdle() >= 0 ? int64_t(s.inferences) - m_script.inferencesAtIdle() : -1) << ",\n"
      << "  \"capture_fps\": " << s.captureFps << ",\n"
      << "  \"latency_ms\": {\"p50\": " << m_stats.latencyPercentile(50) << ", \"p95\": " << m_stats.latencyPercentile(95)
      << ", \"samples\": " << m_stats.latencySamples() << "},\n"
      << "  \"ui_latency_ms\": {\"p50\": " << m_stats.uiLatencyPercentile(50) << ", \"p99\": " << m_stats.uiLatencyPercentile(99)
      << ", \"samples\": " << m_stats.uiLatencySamples() << "},\n"
      << "  \"frames_captured\": " << s.framesCaptured << ",\n"
      << "  \"dropped_frames\": " << s.framesDropped << ",\n"
      << "  \"source_failures\": " << s.sourceFailures << ",\n"
      << "  \"source_reconnects\": " << s.sourceReconnects << ",\n"
      << "  \"rss_mb\": " << residentMemoryMb() << ",\n"
      << "  \"rss_peak_mb\": " << peakResidentMemoryMb() << ",\n"
      << "  \"model\": \"" << jsonEscape(m_pipeline->model().label()) << "\",\n"
      << "  \"style\": \"" << jsonEscape(m_pipeline->styleLabel()) << "\",\n"
      << "  \"history\": " << m_history.statsJson() << ",\n"
      << m_views.statsJson(context())  // "atlas", "unit", "compare", "model2", "transfer", ...
      << extrasJson()
      << "  \"untrained\": " << (m_pipeline->model().untrained() ? "true" : "false") << ",\n"
      << "  \"target\": \"" << m_pipeline->model().target().actual << "\",\n"
      << "  " << targetJsonFields(m_pipeline->model().target()) << ",\n"
      << "  \"source\": \"" << jsonEscape(m_pipeline->sourceDescription()) << "\",\n"
      << "  \"frame_index\": " << m_maps.result.frameIndex << ",\n"
      << "  \"layer\": \"" << jsonEscape(m_maps.layer) << "\",\n"
      << "  \"channel\": " << m_view.channel << ",\n"
      << "  \"channels\": " << channels() << ",\n"
      << "  \"view\": \"" << modes[int(m_view.mode)] << "\",\n"
      << "  \"caption\": \"" << jsonEscape(currentCaption()) << "\",\n"
      << "  \"colormap\": \"" << colormapName(m_view.colormap) << "\",\n"
      << "  \"window\": {\"width\": " << fbW << ", \"height\": " << fbH << "},\n"
      << "  \"maps_rect\": {\"x\": " << m_canvas.screen.mapsRect.x << ", \"y\": " << m_canvas.screen.mapsRect.y << ", \"width\": " << m_canvas.screen.mapsRect.w
      << ", \"height\": " << m_canvas.screen.mapsRect.h << "},\n"
      << "  \"grid\": {\"cols\": " << m_canvas.screen.grid.cols << ", \"rows\": " << m_canvas.screen.grid.rows << ", \"first\": " << m_canvas.screen.grid.first
      << ", \"tile_width\": " << m_canvas.screen.grid.tileW << ", \"tile_height\": " << m_canvas.screen.grid.tileH << ", \"gutter\": " << m_canvas.screen.grid.gutter
      << ", \"origin_x\": " << m_canvas.screen.grid.originX << ", \"origin_y\": " << m_canvas.screen.grid.originY << ", \"label_height\": " << m_canvas.screen.grid.label
      << ", \"pitch_x\": " << m_canvas.screen.grid.pitchX() << ", \"pitch_y\": " << m_canvas.screen.grid.pitchY() << "},\n"
      << "  \"layout\": " << gfx::layoutJson(layoutElements(), fbW, fbH) << ",\n"
      << "  \"saved_maps\": [" << [&] {
             std::string t;
             for (size_t i = 0; i < m_outputs.savedMaps.size(); ++i) t += (i ? ", \"" : "\"") + jsonEscape(m_outputs.savedMaps[i]) + "\"";
             return t;
         }() << "],\n"
      << "  \"layout_problem\": \"" << jsonEscape(gfx::layoutProblem(layoutElements(), fbW, fbH)) << "\",\n"
      << "  \"legend\": " << legendJson() << ",\n"
      << "  \"canvas\": " << canvasJson() << ",\n"
      << "  \"panes\": [" << [&] {
             std::string t;
             const std::vector<gfx::Pane>& panes = m_canvas.screen.panes;
             for (size_t i = 0; i < panes.size(); ++i)
                 t += cv::format("%s{\"name\": \"%s\", \"title\": \"%s\"}", i ? ", " : "", panes[i].name.c_str(), jsonEscape(panes[i].title).c_str());
             return t;
         }() << "],\n"
      << "  \"status_line\": \"" << jsonEscape(m_hover.text.empty() ? m_log.status : m_hover.text) << "\"\n"
      << "}\n";
    return writeTextAtomic(path, j.str());
}

}  // namespace cnnscope::app::detail
