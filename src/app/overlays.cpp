// What is drawn over the view (caption, banners, compare labels, highlight, hover, colorbar, status) and the facts the panel shows.
#include "app/gui_impl.hpp"
#include "app/draw_text.hpp"

namespace cnnscope::app::detail {

std::string Gui::pipelineLabel() const { return session::pipelineLabel(m_pipeline->model(), m_pipeline->styleLabel()); }

std::vector<Gui::Banner> Gui::banners() const {
    std::vector<Banner> out;
    auto add = [&](const std::string& text, ImU32 colour) {
        if (!text.empty()) out.push_back({text, colour});
    };
    if (m_pipeline->model().untrained()) add("UNTRAINED weights (seeded He init): structure, not learned features", IM_COL32(255, 190, 60, 255));
    add(m_download.bannerText(), IM_COL32(140, 220, 255, 255));
    add(m_source.note, IM_COL32(255, 190, 60, 255));
    add(m_pipeline->sourceError(), IM_COL32(255, 90, 80, 255));
    add(m_pipeline->inferenceError(), IM_COL32(255, 90, 80, 255));
    for (const std::string& b : m_views.banners(context())) add(b, IM_COL32(160, 220, 255, 255));  // the views' (a transfer's progress)
    if (!m_renderer.hasActivations()) add("waiting for the first result...", IM_COL32(200, 200, 200, 255));
    if (m_view.compare && m_style.stage && !comparing()) add("computing the comparison...", IM_COL32(200, 200, 200, 255));
    return out;
}


void Gui::drawOverlays(const gfx::PixelRect&) {
    // Behind every ImGui window (the help, tooltips, the timeline), over the GL maps.
    ImDrawList* dl = ImGui::GetBackgroundDrawList();
    const gfx::ScreenLayout& L = m_canvas.layout;
    auto fill = [&](const gfx::PixelRect& r, ImU32 c) {
        if (r.w > 0 && r.h > 0) dl->AddRectFilled(ImVec2(float(r.x), float(r.y)), ImVec2(float(r.x + r.w), float(r.y + r.h)), c);
    };
    // The frame on screen is named on screen too (the timeline's number, while live or scrubbing).
    std::string caption = cnnscope::caption(m_view, captionFacts(), CaptionFor::Screen);
    if (!m_view.atlas && caption.find("frame ") == std::string::npos) caption += "   frame " + std::to_string(captionFacts().frameIndex);
    fill(L.caption, IM_COL32(0, 0, 0, 170));
    textIn(dl, L.caption, caption, IM_COL32(255, 255, 255, 255), 4);
    const std::vector<Banner> bs = banners();
    for (size_t i = 0; i < bs.size(); ++i) {
        const gfx::PixelRect r{L.banners.x, L.banners.y + int(i) * gfx::kBannerHeight, L.banners.w, gfx::kBannerHeight};
        fill(r, IM_COL32(0, 0, 0, 190));
        textIn(dl, r, bs[i].text, bs[i].colour, 3);
    }
    for (const gfx::Pane& p : m_canvas.screen.panes)
        if (!p.titledByView) textIn(dl, p.titleRect, p.title, IM_COL32(235, 235, 235, 255), 1);

    drawHighlightAndHover(dl);  // the views' overlays (labels, the receptive field, the atlas's) in between
    drawTileNumbers(dl);
    if (!m_view.atlas && L.colorbar.w > 0) drawLegends(dl, L.colorbar, legends(m_hover.channel));
    drawStatusLine(dl);
}

void Gui::drawStatusLine(ImDrawList* dl) {
    // Its own line above the timeline: the hover read-out while a map pixel is pointed at, else
    // the newest message (cut with "..." to the width; the full text in a tooltip and in Messages).
    const gfx::PixelRect& r = m_canvas.layout.status;
    if (r.w <= 0) return;
    dl->AddRectFilled(ImVec2(float(r.x), float(r.y)), ImVec2(float(r.x + r.w), float(r.y + r.h)), IM_COL32(0, 0, 0, 190));
    const bool hover = !m_hover.text.empty();
    const std::string& text = hover ? m_hover.text : m_log.status;
    if (text.empty()) return;
    bool cut = false;
    const std::string shown = fitText(text, float(r.w - 16), &cut);
    dl->AddText(ImVec2(float(r.x + 8), float(r.y + 3)), hover ? IM_COL32(255, 255, 255, 255) : IM_COL32(200, 255, 200, 255), shown.c_str());
    if (cut && r.contains(ImGui::GetIO().MousePos.x, ImGui::GetIO().MousePos.y)) ImGui::SetTooltip("%s", text.c_str());
}

void Gui::drawTileNumbers(ImDrawList* dl) const {
    // Each grid tile's channel number in the strip above it (when the tiles are large enough).
    const int C = channels();
    const gfx::GridLayout& grid = m_canvas.screen.grid;
    const gfx::PixelRect& maps = m_canvas.screen.mapsRect;
    if (C == 0 || m_view.mode != ViewMode::Grid || grid.label <= 0 || m_view.atlas || comparing()) return;
    const int n = grid.cols * grid.rows;
    for (int i = 0; i < n && grid.first + i < C; ++i) {
        const float x = float(maps.x + grid.tileX(i)), y = float(maps.y + grid.tileY(i) - grid.label);
        const int ch = grid.first + i;
        const std::string k = constantText(m_maps.extent, ch);
        const std::string t = std::to_string(ch) + (k.empty() ? "" : " const");
        dl->PushClipRect(ImVec2(x, y), ImVec2(x + float(grid.tileW), y + float(grid.label)), true);
        dl->AddText(ImGui::GetFont(), k.empty() ? 12.f : 11.f, ImVec2(x + 1, y), k.empty() ? IM_COL32(190, 190, 190, 255) : IM_COL32(255, 190, 60, 255), t.c_str());
        dl->PopClipRect();
    }
}

void Gui::drawHighlightAndHover(ImDrawList* dl) {
    const int C = channels();
    const gfx::GridLayout& grid = m_canvas.screen.grid;
    const gfx::PixelRect& maps = m_canvas.screen.mapsRect;
    // Highlight the selected channel in the grid, and the hover read-out.
    if (C > 0 && m_view.mode == ViewMode::Grid) {
        const int idx = m_view.channel - grid.first;
        if (idx >= 0 && idx < grid.cols * grid.rows) {
            const float x = float(maps.x + grid.tileX(idx));
            const float yy = float(maps.y + grid.tileY(idx));
            dl->AddRect(ImVec2(x - 1, yy - 1), ImVec2(x + float(grid.tileW) + 1, yy + float(grid.tileH) + 1), IM_COL32(80, 200, 255, 255), 0, 0, 2);
        }
    }
    ViewContext c = context();
    m_views.overlay(dl, c);
    // The read-out goes on the status line (a scripted --hover too, so screenshots show it); a
    // user also gets it as a tooltip, and a click on a grid tile shows that channel alone.
    int ch = -1, tx = 0, ty = 0;
    m_hover.channel = -1;
    m_hover.text.clear();
    if (!m_view.atlas && c.hovered(ch, tx, ty)) {
        const int W = m_maps.act.size[3];
        const float v = m_maps.act.ptr<float>(0, ch)[ty * W + tx];
        m_hover.channel = ch;
        m_hover.text = cv::format("%s ch %d at (%d, %d): value %.4g", m_maps.layer.c_str(), ch, tx, ty, double(v));
        if (const std::string k = constantText(m_maps.extent, ch); !k.empty()) m_hover.text += " (channel " + k + ")";
        if (!m_hover.at) {
            ImGui::SetTooltip("channel %d  (%d, %d)  value %.4g", ch, tx, ty, double(v));
            if (ImGui::IsMouseClicked(0) && m_view.mode == ViewMode::Grid) {
                m_view.channel = ch;
                m_view.mode = ViewMode::Single;
            }
        }
    }
}

std::vector<Legend> Gui::legends(int hovered) const {
    std::vector<Legend> out;
    if (m_maps.act.empty() || m_maps.ranges.empty()) return out;
    LegendFacts f;
    f.act = &m_maps.act;
    f.ranges = &m_maps.ranges;
    f.extent = &m_maps.extent;
    f.channel = m_view.channel;
    f.hovered = hovered;
    out.push_back(mapsLegend(m_view, f));
    m_views.legends(out, context());  // e.g. the second model's A - B
    return out;
}

void Gui::drawLegends(ImDrawList* dl, const gfx::PixelRect& col, const std::vector<Legend>& ls) const {
    if (ls.empty()) return;
    dl->AddRectFilled(ImVec2(float(col.x), float(col.y)), ImVec2(float(col.x + col.w), float(col.y + col.h)), IM_COL32(0, 0, 0, 150));
    dl->PushClipRect(ImVec2(float(col.x), float(col.y)), ImVec2(float(col.x + col.w), float(col.y + col.h)), true);
    constexpr float kLine = 16;
    const int n = int(ls.size());
    for (int i = 0; i < n; ++i) {
        const Legend& l = ls[size_t(i)];
        const float y0 = float(col.y + col.h * i / n + 6), y1 = float(col.y + col.h * (i + 1) / n - 6);
        const float x = float(col.x + 8);
        float y = y0;
        for (const std::string& h : l.head) dl->AddText(ImVec2(x, y), IM_COL32(235, 235, 235, 255), h.c_str()), y += kLine;
        const float top = y + 6, bottom = std::max(top, y1 - float(l.foot.size()) * kLine - 8);
        if (l.bar && bottom - top > 20) {
            const float h = bottom - top;
            for (int k = 0; k < 256; ++k) {
                const cv::Vec3b c = lutBgr8(l.colormap, 255 - k);
                dl->AddRectFilled(ImVec2(x, top + h * k / 256.f), ImVec2(x + 14, top + h * (k + 1) / 256.f), IM_COL32(c[2], c[1], c[0], 255));
            }
            dl->AddText(ImVec2(x + 20, top - 2), IM_COL32(255, 255, 255, 255), l.hi.c_str());
            dl->AddText(ImVec2(x + 20, bottom - 12), IM_COL32(255, 255, 255, 255), l.lo.c_str());
            y = bottom + 6;
        } else {
            y += 4;
        }
        for (const std::string& t : l.foot)
            dl->AddText(ImVec2(x, y), l.constant ? IM_COL32(255, 190, 60, 255) : IM_COL32(210, 210, 210, 255), t.c_str()), y += kLine;
    }
    dl->PopClipRect();
}

std::vector<gfx::LayoutElement> Gui::layoutElements() const {
    const gfx::ScreenLayout& L = m_canvas.layout;
    std::vector<gfx::LayoutElement> e = {{"panel", L.panel}, {"caption", L.caption}, {"banners", L.banners}, {"status", L.status},
                                         {"timeline", L.timeline}};
    if (!m_view.atlas && !legends(-1).empty()) e.push_back({"colorbar", L.colorbar});
    bool maps = m_canvas.plan.mapsDrawn();
    for (const gfx::Pane& p : m_canvas.screen.panes) {
        if (p.name == "maps") maps = false;  // a titled pane already
        e.push_back({p.name + "_title", p.titleRect});
        e.push_back({p.name, p.rect});
    }
    if (maps) e.push_back({"maps", m_canvas.screen.mapsRect});
    return e;
}

std::string Gui::legendJson() const {
    auto list = [](const std::vector<std::string>& v) {
        std::string t = "[";
        for (size_t i = 0; i < v.size(); ++i) t += (i ? ", \"" : "\"") + jsonEscape(v[i]) + "\"";
        return t + "]";
    };
    std::string j = "[";
    const std::vector<Legend> ls = legends(m_hover.channel);
    for (size_t i = 0; i < ls.size(); ++i)
        j += cv::format("%s{\"colormap\": \"%s\", \"head\": %s, \"hi\": \"%s\", \"lo\": \"%s\", \"foot\": %s, \"bar\": %s, \"constant\": %s}",
                        i ? ", " : "", colormapName(ls[i].colormap), list(ls[i].head).c_str(), jsonEscape(ls[i].hi).c_str(),
                        jsonEscape(ls[i].lo).c_str(), list(ls[i].foot).c_str(), ls[i].bar ? "true" : "false",
                        ls[i].constant ? "true" : "false");
    return j + "]";
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
    info.frameIndex = captionFacts().frameIndex;  // the frame on screen (the timeline's and the caption's), not the capture's
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
        info.sweepStatus = m_outputs.sweepStatus;
    if (int done = 0, total = 0; m_jobs.progress("history-gif", done, total))
        info.sweepStatus = "history GIF: " + std::to_string(done) + "/" + std::to_string(total) + " frames of the view";
    if (m_style.stage && !m_pipeline->styleLabel().empty()) {
        info.styleLabel = m_style.stage->label();
        info.styleSource = m_style.stage->source();
        info.styleSize = m_style.stage->runSize(m_maps.result.original.empty() ? m_maps.result.frame.size() : m_maps.result.original.size());
        info.styleMs = m_maps.result.styleMs;
    }
    info.sourceNote = m_source.note;
    info.messages = m_log.all;
    fillExtras(info);
    m_views.panel(info, context());  // the views' sections (transfer, second model)
    info.styleNames = m_style.names;
    info.styleHave = m_style.have;
    for (const auto& l : m.layers())
        if (l.spatial() && l.name != "input") {
            info.layerNames.push_back(l.name);
            info.layerShapes.push_back(shapeText(l.shape));
            info.layerRf.push_back(l.receptiveField);
        }
    return info;
}

}  // namespace cnnscope::app::detail
