// Understanding one unit in the window: the back-projection of the selected channel beside the
// input frame (computed by UnitWorker on its own thread, latest-wins), and the receptive field of
// the map pixel under the pointer outlined on the input frame, with the channel's strongest
// position marked.
#include "app/gui_impl.hpp"

#include "core/receptive_field.hpp"

namespace cnnscope::app::detail {

namespace {
constexpr ReluMode kModes[] = {ReluMode::Guided, ReluMode::Deconv, ReluMode::Grad};
}

bool Gui::unitCurrent() const {
    if (m_inputs.backprop <= 0) return true;
    if (m_unitPending) return false;
    if (!m_unit.error.empty()) return true;  // said in the messages; nothing more will come
    return m_unit.frameId == m_shownFrameId && m_unit.layer == m_shownLayer &&
           m_unit.channel == std::clamp(m_view.channel, 0, std::max(0, channels() - 1)) &&
           m_unit.mode == kModes[m_inputs.backprop - 1];
}

void Gui::unitTick() {
    if (m_inputs.backprop <= 0 || m_act.empty() || m_result.frame.empty()) return;
    if (!m_unitWorker) m_unitWorker = std::make_unique<UnitWorker>(m_opts.common);
    UnitResult r;
    if (m_unitWorker->take(r)) {
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
    if (m_result.frameId == m_unitAsked.frameId && m_shownLayer == m_unitAsked.layer && channel == m_unitAsked.channel &&
        mode == m_unitAsked.mode)
        return;
    if (m_result.layer != m_shownLayer) return;  // a cached layer is on screen: wait for its frame
    UnitRequest req;
    req.frame = m_result.frame.clone();  // the pipeline reuses its buffers
    req.frameId = m_result.frameId;
    req.layer = m_shownLayer;
    req.channel = channel;
    req.mode = mode;
    m_unitAsked = req;
    m_unitAsked.frame.release();
    m_unitPending = true;
    m_unitWorker->submit(std::move(req));
}

gfx::PixelRect Gui::drawInputColumn(const gfx::PixelRect& area, int fbH, bool live) {
    const bool input = m_view.showInput && m_renderer.hasFrame();
    const bool unit = m_inputs.backprop > 0 && m_unitRenderer.hasFrame();
    if (live) m_frameRect = m_unitRect = {};
    if (!input && !unit) return area;
    const gfx::PixelRect left{area.x, area.y, area.w / 2, area.h};
    gfx::PixelRect top = left, bottom = left;
    if (input && unit) {
        top.h = left.h / 2;
        bottom = {left.x, left.y + top.h, left.w, left.h - top.h};
    }
    gfx::ActivationRenderer::Params fp;
    fp.mode = ViewMode::Frame;
    if (input) {
        const gfx::PixelRect r = gfx::fitAspect(top, m_renderer.frameSize().width, m_renderer.frameSize().height);
        m_renderer.draw(r, fbH, fp);
        if (live) m_frameRect = r;
    }
    if (unit) {
        const gfx::PixelRect r = gfx::fitAspect(bottom, m_unitRenderer.frameSize().width, m_unitRenderer.frameSize().height);
        m_unitRenderer.draw(r, fbH, fp);
        if (live) m_unitRect = r;
    }
    return {area.x + area.w / 2, area.y, area.w - area.w / 2, area.h};
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
        "\"x\": %d, \"y\": %d, \"field\": [%d, %d, %d, %d], \"peak\": [%d, %d]}}",
        names[std::clamp(m_inputs.backprop, 0, 3)], rect(m_unitRect).c_str(), rect(m_frameRect).c_str(), percentile(m_unitMs, 50),
        m_unit.forwardMs, m_unit.backwardMs, int(m_unitMs.size()), (unsigned long long)m_unit.frameId,
        (unsigned long long)m_shownFrameId, ch, tx, ty, m_hoverField.x, m_hoverField.y, m_hoverField.width, m_hoverField.height,
        m_hoverPeak.x, m_hoverPeak.y);
}

}  // namespace cnnscope::app::detail
