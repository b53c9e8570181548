// A range of the history written as a GIF of the view the user sees: for each kept frame its maps
// are recomputed on the inference thread and drawn offscreen with the caption, like a recording
// frame, while exportHistory encodes on a job thread. The UI never waits: one frame is asked for
// at a time and polled once per UI frame; the panel shows the progress.
#include "app/gui_impl.hpp"
#include "app/history_gif.hpp"

#include "record/history_export.hpp"

namespace cnnscope::app {

Expected<cv::Mat> HistoryGifBridge::render(const HistoryFrame& f, const std::atomic<bool>& cancel) {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_request = f;
    m_answer.reset();
    while (!m_answer && m_closed.empty() && !cancel.load()) m_cv.wait_for(lock, std::chrono::milliseconds(20));
    m_request.reset();
    if (m_answer) return std::move(*m_answer);
    return Error{m_closed.empty() ? "cancelled" : m_closed};
}

bool HistoryGifBridge::pending(HistoryFrame& f) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_request || m_answer) return false;
    f = *m_request;
    return true;
}

void HistoryGifBridge::answer(Expected<cv::Mat> image) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_answer = std::move(image);
    }
    m_cv.notify_all();
}

void HistoryGifBridge::close(const std::string& why) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_closed = why;
    }
    m_cv.notify_all();
}

namespace detail {

void Gui::exportHistoryGif(int64_t first, int64_t last) {
    if (m_jobs.running("history-gif")) {
        post("a history GIF is being written already");
        return;
    }
    auto state = std::make_unique<HistoryGifState>();
    state->path = datedName("cnnscope-history-", ".gif");
    state->layer = m_view.layer;
    state->view = m_view;
    state->colorbar = m_inputs.recordColorbar;
    state->generation = m_pipelineGeneration;
    state->size = ui::kRecordSizes[std::clamp(m_inputs.recordSize, 0, ui::kRecordSizeCount - 1)];
    const std::string path = state->path;
    std::shared_ptr<HistoryGifBridge> bridge = state->bridge;
    m_history.gif = std::move(state);
    const FrameHistory* history = &m_history.frames();
    post("writing " + path + " (frames " + std::to_string(first) + "-" + std::to_string(last) + ")...");
    m_jobs.run<Expected<int>>(
        "history-gif",
        [history, first, last, path, bridge](JobProgress& p) {
            HistoryExportOptions o;
            o.cancel = &p.cancel;
            o.render = [bridge, &p](const HistoryFrame& f) { return bridge->render(f, p.cancel); };
            o.progress = [&p](int done, int total) {
                p.done = done;
                p.total = total;
            };
            return exportHistory(*history, first, last, path, o);
        },
        [this, path](Expected<int>& n) {
            if (n) post("saved " + path + " (" + std::to_string(*n) + " frames of the history)");
            else post("history GIF: " + n.error(), Status(Error{n.error()}));
            if (m_history.gif) {
                std::string idx;
                for (int64_t i : m_history.gif->indices) idx += (idx.empty() ? "" : ", ") + std::to_string(i);
                const gfx::PixelRect& r = m_history.gif->mapsRect;
                m_history.gifJson = cv::format("{\"path\": \"%s\", \"error\": \"%s\", \"frames\": %d, \"indices\": [%s], "
                                              "\"maps_rect\": {\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}}",
                                              jsonEscape(path).c_str(), jsonEscape(n ? std::string() : n.error()).c_str(),
                                              n ? *n : 0, idx.c_str(), r.x, r.y, r.w, r.h);
            }
            m_history.gif.reset();  // its renderer and target go here, on the main thread
        });
}

void Gui::historyGifTick() {
    if (!m_history.gif) return;
    HistoryGifState& s = *m_history.gif;
    if (s.generation != m_pipelineGeneration) {
        s.bridge->close("the model or input size changed during the export; nothing was written");
        return;
    }
    if (s.compute) {
        if (s.compute->wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
        LayerActs acts = awaitLayers(*s.compute);
        s.compute.reset();
        if (!acts) {
            if (acts.error().rfind("busy", 0) != 0) s.bridge->answer(Error{acts.error()});
            return;  // busy (a scrub or prefetch had the network): asked again at the next UI frame
        }
        HistoryFrame f;
        if (s.bridge->pending(f) && f.index == s.computing) s.bridge->answer(renderHistoryGifFrame(s, f, (*acts)[0]));
        return;
    }
    HistoryFrame f;
    if (!s.bridge->pending(f)) return;
    s.computing = f.index;
    s.compute = std::make_shared<std::future<LayerActs>>(m_pipeline->computeLayers(f.frame, {s.layer}));
}

Expected<cv::Mat> Gui::renderHistoryGifFrame(HistoryGifState& s, const HistoryFrame& f, const cv::Mat& act) {
    std::string error;
    if (!s.rendererReady && !s.renderer.init(&error)) return Error{"history GIF: " + error};
    s.rendererReady = true;
    if (!s.target.ensure(s.size)) return Error{"history GIF: the offscreen target could not be created"};
    channelRanges(act, s.view.norm, s.ranges, s.scratch);
    s.renderer.upload(act, s.ranges);
    s.renderer.uploadFrame(f.frame);
    // The maps view as renderOffscreen draws it, with this frame's renderer: the input frame
    // beside the maps when the window shows it there.
    s.target.bind();
    glClearColor(0.f, 0.f, 0.f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    gfx::PixelRect area{0, 0, s.size.width, s.size.height}, rect;
    if (s.view.showInput) {
        gfx::ActivationRenderer::Params fp;
        fp.mode = ViewMode::Frame;
        const cv::Size fs = s.renderer.frameSize();
        s.renderer.draw(gfx::fitAspect({0, 0, area.w / 2, area.h}, fs.width, fs.height), s.size.height, fp);
        area = {area.w / 2, 0, area.w - area.w / 2, area.h};
    }
    const gfx::ActivationRenderer::Params p = gfx::viewParams(s.view, s.renderer, area, rect);
    s.renderer.draw(rect, s.size.height, p);
    s.target.unbind();
    const cv::Mat pixels = s.target.readNow();
    CaptionFacts facts;
    facts.label = pipelineLabel();
    facts.layer = s.layer;
    facts.channels = act.size[1];
    facts.gridFirst = p.grid.first;
    facts.gridCount = p.grid.cols * p.grid.rows;
    facts.frameIndex = f.index;
    const double fps = m_pipeline->stats().sourceFps;
    facts.seconds = fps > 0 ? double(f.index) / fps : f.seconds;
    cv::Mat out = withCaption(pixels, caption(s.view, facts, CaptionFor::File));
    if (s.colorbar && !s.ranges.empty())
        out = withColorbar(out, s.view.colormap, s.ranges[size_t(std::clamp(s.view.channel, 0, int(s.ranges.size()) - 1))]);
    s.mapsRect = rect;
    s.indices.push_back(f.index);
    return out;
}

}  // namespace detail
}  // namespace cnnscope::app
