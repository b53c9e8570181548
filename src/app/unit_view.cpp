// Understanding one unit in the window: the back-projection of the selected channel beside the
// input frame (computed by UnitWorker on its own thread, latest-wins), and the receptive field of
// the map pixel under the pointer outlined on the input frame, with the channel's strongest
// position marked.
#include "app/gui_impl.hpp"

#include "core/unit/receptive_field.hpp"

namespace cnnscope::app::detail {

namespace {
constexpr ReluMode kModes[] = {ReluMode::Guided, ReluMode::Deconv, ReluMode::Grad};
}

bool Gui::unitCurrent() const {
    if (m_inputs.topk && (!m_topk || m_topk->fed() == 0 || m_topkSheetSeq != m_topk->accumulator().sequence())) return false;
    if (m_inputs.backprop <= 0) return true;
    if (m_unitPending) return false;
    if (m_unit.generation != m_pipelineGeneration) return false;  // from the model before the last change
    if (!m_unit.error.empty()) return true;  // said in the messages; nothing more will come
    // Any frame's: on a playing video the back-projection may trail the maps by a frame or more.
    return (m_unit.frameId == m_shownFrameId || !(m_pipeline->paused() || m_pipeline->sourceIsStill())) &&
           m_unit.layer == m_shownLayer &&
           m_unit.channel == std::clamp(m_view.channel, 0, std::max(0, channels() - 1)) &&
           m_unit.mode == kModes[m_inputs.backprop - 1];
}

void Gui::unitTick() {
    if (m_inputs.backprop <= 0 || m_act.empty() || m_result.frame.empty()) return;
    if (!m_unitWorker) m_unitWorker = std::make_unique<UnitWorker>();
    UnitResult r;
    if (m_unitWorker->take(r) && r.generation == m_pipelineGeneration) {  // older models' results are dropped
        m_unitPending = false;
        if (!r.error.empty() && r.error != m_unit.error) post(r.error, ui::Message::Level::Error);
        if (r.error.empty()) {
            m_unitRenderer.uploadFrame(r.bgr);
            m_unitMs.push_back(r.totalMs);
            if (m_unitMs.size() > 2000) m_unitMs.erase(m_unitMs.begin(), m_unitMs.begin() + 1000);
        }
        m_unit = std::move(r);
        m_unit.bgr.release();
    }
    const ReluMode mode = kModes[m_inputs.backprop - 1];
    const int channel = std::clamp(m_view.channel, 0, channels() - 1);
    // The frame whose maps are on screen: a kept frame while scrubbing the history (once its maps
    // are shown), else the newest result's (also for a layer shown from the paused frame's cache).
    cv::Mat frame = m_result.frame;
    uint64_t frameId = m_result.frameId;
    int64_t index = 0;
    if (historySource(frame, frameId, index) && m_historyShownIndex != index) return;
    if (frameId != m_shownFrameId) return;
    if (frameId == m_unitAsked.frameId && m_shownLayer == m_unitAsked.layer && channel == m_unitAsked.channel &&
        mode == m_unitAsked.mode && m_pipelineGeneration == m_unitAsked.generation)
        return;
    UnitRequest req;
    req.frame = frame.clone();  // the pipeline reuses its buffers
    req.frameId = frameId;
    req.layer = m_shownLayer;
    req.channel = channel;
    req.mode = mode;
    req.model = workerModelOptions();
    req.generation = m_pipelineGeneration;
    m_unitAsked = req;
    m_unitAsked.frame.release();
    m_unitPending = true;
    m_unitWorker->submit(std::move(req));
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

gfx::PixelRect Gui::drawInputColumn(const gfx::PixelRect& area, int fbH, bool live) {
    // Stacked in the left half, top to bottom: input frame, back-projection, top-9 sheet.
    gfx::ActivationRenderer* items[3] = {&m_renderer, &m_unitRenderer, &m_topkRenderer};
    const bool shown[3] = {m_view.showInput && m_renderer.hasFrame(), m_inputs.backprop > 0 && m_unitRenderer.hasFrame(),
                           m_inputs.topk && m_topkRenderer.hasFrame()};
    gfx::PixelRect* rects[3] = {&m_frameRect, &m_unitRect, &m_topkRect};
    if (live)
        for (auto* r : rects) *r = {};
    const int n = int(shown[0]) + int(shown[1]) + int(shown[2]);
    if (n == 0) return area;
    const gfx::PixelRect left{area.x, area.y, area.w / 2, area.h};
    gfx::ActivationRenderer::Params fp;
    fp.mode = ViewMode::Frame;
    for (int i = 0, slot = 0; i < 3; ++i) {
        if (!shown[i]) continue;
        const int y0 = left.y + left.h * slot / n, y1 = left.y + left.h * (slot + 1) / n;
        ++slot;
        const gfx::PixelRect r = gfx::fitAspect({left.x, y0, left.w, y1 - y0}, items[i]->frameSize().width, items[i]->frameSize().height);
        items[i]->draw(r, fbH, fp);
        if (live) *rects[i] = r;
    }
    return {area.x + area.w / 2, area.y, area.w - area.w / 2, area.h};
}

gfx::PixelRect Gui::drawCompareBackprop(const gfx::PixelRect& area, int fbH, bool live) {
    // The compare layout's maps, hover and clicks are the stylised frame's, and so is the unit the
    // back-projection shows: a column left of original | stylised, level with their frames.
    gfx::PixelRect r{};
    if (m_inputs.backprop > 0 && m_unitRenderer.hasFrame()) {
        constexpr int kLabel = 20, kGap = 10;
        const int w = area.w / 4;
        const cv::Size fs = m_unitRenderer.frameSize();
        r = gfx::fitAspect({area.x, area.y + kLabel, w - kGap, area.h - kLabel}, fs.width, fs.height);
        r.y = area.y + kLabel;  // top-aligned with the frames row
        gfx::ActivationRenderer::Params fp;
        fp.mode = ViewMode::Frame;
        m_unitRenderer.draw(r, fbH, fp);
    }
    if (live) {
        m_unitRect = r;
        m_topkRect = {};
    } else {
        m_unitRectOffscreen = r;
    }
    if (r.w <= 0) return area;
    const int w = area.w / 4;
    return {area.x + w, area.y, area.w - w, area.h};
}

std::string Gui::compareBackpropLabel() const {
    const char* names[] = {"off", "guided", "deconv", "grad"};
    return std::string("back-projection, ") + names[std::clamp(m_inputs.backprop, 0, 3)];
}

void Gui::topkTick() {
    if (!m_inputs.topk || m_act.empty() || m_result.frame.empty()) return;
    if (!m_topk) m_topk = std::make_unique<TopKFeeder>();
    TopKAccumulator& acc = m_topk->accumulator();
    if (m_inputs.topkReset || m_topkGeneration != m_pipelineGeneration) {  // asked, or another model or input size
        acc.reset();
        m_inputs.topkReset = false;
        m_topkGeneration = m_pipelineGeneration;
        m_topkFedFrame = 0;  // the frame on screen counts again
    }
    const auto& rows = m_pipeline->model().layers();
    if (m_result.frameId != m_topkFedFrame && m_result.layer == m_shownLayer) {
        for (const LayerInfo& li : rows)
            if (li.name == m_shownLayer) {
                TopKFrame f;
                f.act = m_result.act.clone();  // the pipeline reuses its buffers
                f.frame = m_result.frame.clone();
                f.layer = li;
                f.inputSize = m_pipeline->model().preprocessing().size;
                f.frameIndex = m_result.frameIndex;
                const double fps = m_pipeline->stats().sourceFps;
                f.seconds = fps > 0 ? double(m_result.frameIndex) / fps : 0;
                f.generation = m_pipelineGeneration;
                m_topk->feed(std::move(f));
                m_topkFedFrame = m_result.frameId;
            }
    }
    const int channel = std::clamp(m_view.channel, 0, channels() - 1);
    uint64_t seq = 0;
    if (acc.sequence() != m_topkSheetSeq || channel != m_topkSheetChannel) {
        const std::vector<TopKEntry> entries = acc.channel(channel, &seq);
        const TopKOptions& o = acc.options();
        m_topkSheet = renderTopKSheet(entries, o.k, o.thumbSide, m_shownLayer + " ch " + std::to_string(channel));
        m_topkRenderer.uploadFrame(m_topkSheet);
        m_topkSheetSeq = seq;
        m_topkSheetChannel = channel;
    }
    if (m_inputs.topkExport) {
        m_inputs.topkExport = false;
        const std::string path = datedName("cnnscope-top9", "png");
        if (auto st = writeImageAtomic(path, m_topkSheet); st) post("top-9 sheet saved to " + path);
        else post(st.error(), st);
    }
    if (seq != 0)  // the sheet was refreshed
        m_inputs.unitStatus = cv::format("top-9: %lld frames, %.1f ms per frame; budget %.1f MB", (long long)acc.snapshot().framesSeen,
                                     m_topk->lastMs(), double(TopKAccumulator::budgetBytes(channels(), acc.options())) / 1e6);
}

bool Gui::hoveredPixel(int& ch, int& tx, int& ty) const {
    const int C = channels();
    if (C == 0 || m_mapsRect.w <= 0) return false;
    cv::Point2f p;
    if (m_hoverGiven) {
        p = cv::Point2f(float(m_hover.x), float(m_hover.y));
    } else {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        if (m_opts.frames > 0 || ImGui::GetIO().WantCaptureMouse) return false;  // scripted runs have no user
        p = cv::Point2f(mouse.x, mouse.y);
    }
    if (!m_mapsRect.contains(p.x, p.y)) return false;
    const int px = int(p.x) - m_mapsRect.x, py = int(p.y) - m_mapsRect.y;
    const int H = m_act.size[2], W = m_act.size[3];
    if (m_view.mode == ViewMode::Grid) {
        ch = m_grid.channelAt(px, py, C, W, H, &tx, &ty);
    } else {
        ch = std::min(m_view.channel, C - 1);
        tx = std::min(W - 1, int((px + 0.5) * W / m_mapsRect.w));
        ty = std::min(H - 1, int((py + 0.5) * H / m_mapsRect.h));
    }
    return ch >= 0;
}

void Gui::drawReceptiveField(ImDrawList* dl) {
    m_hoverField = {};
    m_hoverPeak = {-1, -1};
    int ch = -1, tx = 0, ty = 0;
    if (!hoveredPixel(ch, tx, ty)) return;
    const auto& rows = m_pipeline->model().layers();
    size_t row = 0;
    while (row < rows.size() && rows[row].name != m_shownLayer) ++row;
    const cv::Size fs = m_renderer.frameSize();
    if (row == rows.size() || fs.area() == 0) return;
    m_hoverField = receptiveField(rows, row, ty, tx, fs).frameClipped;
    const MapPeak peak = strongestPosition(m_act, ch);
    m_hoverPeak = peak.pos;
    // The input frame: beside the maps, or under them in the overlay layout.
    const gfx::PixelRect& f = m_frameRect.w > 0 ? m_frameRect : m_mapsRect;
    if (m_frameRect.w <= 0 && m_view.mode != ViewMode::Overlay) return;
    auto sx = [&](double x) { return float(f.x + x * f.w / fs.width); };
    auto sy = [&](double y) { return float(f.y + y * f.h / fs.height); };
    const cv::Rect& r = m_hoverField;
    // The outline's inner edge on the field's first and last pixels' outer edges.
    dl->AddRect(ImVec2(sx(r.x) - 1, sy(r.y) - 1), ImVec2(sx(r.x + r.width) + 1, sy(r.y + r.height) + 1), IM_COL32(0, 255, 255, 255), 0, 0, 2);
    if (peak.pos.x >= 0) {
        const cv::Rect pf = receptiveField(rows, row, peak.pos.y, peak.pos.x, fs).frameClipped;
        const float cx = sx(pf.x + pf.width / 2.0), cy = sy(pf.y + pf.height / 2.0);
        dl->AddLine(ImVec2(cx - 7, cy), ImVec2(cx + 8, cy), IM_COL32(255, 0, 255, 255), 2);
        dl->AddLine(ImVec2(cx, cy - 7), ImVec2(cx, cy + 8), IM_COL32(255, 0, 255, 255), 2);
    }
}

std::string Gui::unitStatsJson() const {
    auto rect = [](const gfx::PixelRect& r) { return cv::format("{\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}", r.x, r.y, r.w, r.h); };
    const char* names[] = {"off", "guided", "deconv", "grad"};
    int ch = -1, tx = -1, ty = -1;
    hoveredPixel(ch, tx, ty);
    return cv::format(
        "{\"backprop\": \"%s\", \"backprop_rect\": %s, \"frame_rect\": %s, \"backprop_ms\": {\"p50\": %g, \"forward\": %g, "
        "\"backward\": %g, \"samples\": %d}, \"backprop_frame_id\": %llu, \"shown_frame_id\": %llu, \"hover\": {\"channel\": %d, "
        "\"x\": %d, \"y\": %d, \"field\": [%d, %d, %d, %d], \"peak\": [%d, %d]}, \"topk_rect\": %s, \"topk_fed\": %llu, "
        "\"topk_ms\": %g, \"backprop_input\": [%d, %d], \"backprop_generation\": %llu, \"generation\": %llu, "
        "\"backprop_rect_offscreen\": %s}",
        names[std::clamp(m_inputs.backprop, 0, 3)], rect(m_unitRect).c_str(), rect(m_frameRect).c_str(), percentile(m_unitMs, 50),
        m_unit.forwardMs, m_unit.backwardMs, int(m_unitMs.size()), (unsigned long long)m_unit.frameId,
        (unsigned long long)m_shownFrameId, ch, tx, ty, m_hoverField.x, m_hoverField.y, m_hoverField.width, m_hoverField.height,
        m_hoverPeak.x, m_hoverPeak.y, rect(m_topkRect).c_str(), (unsigned long long)(m_topk ? m_topk->fed() : 0),
        m_topk ? m_topk->lastMs() : 0.0, m_unit.blobSize.width, m_unit.blobSize.height, (unsigned long long)m_unit.generation,
        (unsigned long long)m_pipelineGeneration, rect(m_unitRectOffscreen).c_str());
}

}  // namespace cnnscope::app::detail
