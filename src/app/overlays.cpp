// What is drawn over the view (caption, banners, compare labels, highlight, hover, colorbar, status) and the facts the panel shows.
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

std::string Gui::pipelineLabel() const { return session::pipelineLabel(m_pipeline->model(), m_pipeline->styleLabel()); }

void Gui::drawOverlays(const gfx::PixelRect& area) {
    ImDrawList* dl = ImGui::GetForegroundDrawList();
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
    banner(m_download.bannerText(), IM_COL32(140, 220, 255, 255));
    banner(m_sourceNote, IM_COL32(255, 190, 60, 255));
    banner(m_pipeline->sourceError(), IM_COL32(255, 90, 80, 255));
    banner(m_pipeline->inferenceError(), IM_COL32(255, 90, 80, 255));
    if (m_transfer.active()) banner(m_transfer.banner(m_pipeline->model().untrained()), IM_COL32(160, 220, 255, 255));
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
        if (const gfx::PixelRect& u = m_unit.rect(); u.w > 0)
            dl->AddText(ImVec2(float(u.x), float(u.y - 17)), IM_COL32(255, 255, 255, 255), UnitView::compareLabel(m_inputs.backprop).c_str());
    }

    if (model2Shown()) m_model2.drawLabels(dl, model2Labels());
    drawHighlightAndHover(dl);
    drawAtlasOverlay(dl);
    if (!m_view.atlas) drawColorbar(dl, area);
    if (!m_message.empty()) {
        dl->AddRectFilled(ImVec2(float(area.x), float(area.h - 22)), ImVec2(float(area.x + area.w), float(area.h)), IM_COL32(0, 0, 0, 190));
        dl->AddText(ImVec2(float(area.x + 8), float(area.h - 19)), IM_COL32(200, 255, 200, 255), m_message.c_str());
    }
}

void Gui::drawHighlightAndHover(ImDrawList* dl) {
    const int C = channels();
    // Highlight the selected channel in the grid, and the hover read-out.
    if (C > 0 && m_view.mode == ViewMode::Grid) {
        const int idx = m_view.channel - m_grid.first;
        if (idx >= 0 && idx < m_grid.cols * m_grid.rows) {
            const float x = float(m_mapsRect.x + m_grid.originX + m_grid.gutter + (idx % m_grid.cols) * (m_grid.tileW + m_grid.gutter));
            const float yy = float(m_mapsRect.y + m_grid.originY + m_grid.gutter + (idx / m_grid.cols) * (m_grid.tileH + m_grid.gutter));
            dl->AddRect(ImVec2(x - 1, yy - 1), ImVec2(x + float(m_grid.tileW) + 1, yy + float(m_grid.tileH) + 1), IM_COL32(80, 200, 255, 255), 0, 0, 2);
        }
    }
    m_unit.drawReceptiveField(dl, unitPointer(), unitShown(), m_pipeline->model().layers(), m_renderer.frameSize());
    // Scripted runs have no user: no hover read-out over the maps they capture (--hover: the outline only).
    int ch = -1, tx = 0, ty = 0;
    if (!m_unit.hoverGiven() && m_unit.hoveredPixel(unitPointer(), unitShown(), ch, tx, ty)) {
        const int W = m_act.size[3];
        {
            const float v = m_act.ptr<float>(0, ch)[ty * W + tx];
            ImGui::SetTooltip("channel %d  (%d, %d)  value %.4g", ch, tx, ty, double(v));
            if (ImGui::IsMouseClicked(0) && m_view.mode == ViewMode::Grid) {
                m_view.channel = ch;
                m_view.mode = ViewMode::Single;
            }
        }
    }
}

void Gui::drawColorbar(ImDrawList* dl, const gfx::PixelRect& area) {
    const int C = channels();
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
}

ui::PanelInfo Gui::panelInfo() const {
    ui::PanelInfo info;
    const Model& m = m_pipeline->model();
    info.modelLabel = m.label();
    info.modelSource = m.source();
    info.untrained = m.untrained();
    info.target = m.target().actual;
    info.targetNote = m.target().note;
    info.targetDevice = m.target().device;
    info.targetCheck = m.target().check;
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
    info.renderFps = m_stats.renderFps();
    info.latencyP50 = m_stats.latencyPercentile(50);
    info.latencyP95 = m_stats.latencyPercentile(95);
    info.rssMb = residentMemoryMb();
    info.channels = channels();
    info.recording = m_recorder.active();
    info.recordTarget = m_recorder.path();
    info.recordStatus = m_recorder.progressText();
    if (int done = 0, total = 0; m_jobs.progress("sweep", done, total))
        info.sweepStatus = "sweep: " + std::to_string(done) + "/" + std::to_string(total) + " frames";
    else
        info.sweepStatus = m_sweepStatus;
    if (int done = 0, total = 0; m_jobs.progress("history-gif", done, total))
        info.sweepStatus = "history GIF: " + std::to_string(done) + "/" + std::to_string(total) + " frames of the view";
    if (m_style && !m_pipeline->styleLabel().empty()) {
        info.styleLabel = m_style->label();
        info.styleSource = m_style->source();
        info.styleSize = m_style->runSize(m_result.original.empty() ? m_result.frame.size() : m_result.original.size());
        info.styleMs = m_result.styleMs;
        info.gramDistance = m_gramDistance;
    }
    info.sourceNote = m_sourceNote;
    info.messages = m_messages;
    fillExtras(info);
    m_transfer.info(info.transfer, m_pipeline->model().untrained());
    m_model2.info(info.model2);
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

}  // namespace cnnscope::app::detail
