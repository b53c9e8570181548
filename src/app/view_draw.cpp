// The maps view drawn into the window or an offscreen target (layout in gfx/view_layout).
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

gfx::ScreenLayout Gui::screenLayout() const {
    int w = 0, h = 0;
    m_window.framebufferSize(w, h);
    gfx::ScreenLayoutInput in;
    in.width = w;
    in.height = h;
    in.panelWidth = m_view.showPanel ? int(kPanelWidth) : 0;
    in.banners = int(banners().size());
    in.colorbar = m_view.showColorbar && !m_view.atlas;
    in.timelineHeight = kTimelineHeight;
    return gfx::layoutScreen(in);
}

gfx::PixelRect Gui::viewArea() const {
    int w = 0, h = 0;
    m_window.framebufferSize(w, h);
    const gfx::ScreenLayout l = screenLayout();
    return {l.caption.x, 0, l.caption.w, h};
}

gfx::PixelRect Gui::mapsArea() const { return screenLayout().canvas; }

namespace {
// The maps pane's title beside the unit column: "block2_conv2, single channel ch 3".
std::string mapsTitleText(const ViewState& v, const std::string& layer, int channels) {
    const char* modes[] = {"grid", "single channel", "overlay", "frame"};
    std::string t = layer + ", " + modes[int(v.mode)];
    if (v.mode != ViewMode::Grid) t += " ch " + std::to_string(std::min(v.channel, std::max(0, channels - 1)));
    return t;
}
}  // namespace

std::string Gui::inputTitle() const { return m_transfer.active() ? "Gatys transfer image (as it changes)" : "input frame"; }

cv::Size Gui::singleShape(const gfx::PixelRect& frameBeside) const {
    // Beside the frame, the overlay or the back-projection a single map takes the frame's shape.
    if (!m_renderer.hasFrame()) return {};
    return frameBeside.w > 0 || m_unit.rect().w > 0 || m_view.mode == ViewMode::Overlay ? m_renderer.frameSize() : cv::Size();
}

void Gui::drawFrame() {
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    glViewport(0, 0, fbW, fbH);
    glClearColor(0.08f, 0.08f, 0.09f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);

    m_layout = screenLayout();
    m_panes.clear();
    gfx::PixelRect area = m_layout.canvas;
    if (m_view.atlas) {
        m_mapsRect = m_frameRect = {};
        drawAtlas(area, fbH, true);
        m_panes.push_back({"atlas", "", {}, area});
        return;
    }
    if (comparing()) {
        drawCompare(area, fbH, true);
        return;
    }
    area = m_unit.drawColumn(area, fbH, true, m_renderer, m_view.showInput, m_inputs.backprop, m_inputs.topk, m_frameRect, &m_panes,
                             inputTitle());
    if (model2Shown()) {
        m_model2.draw(area, fbH, true, m_view, m_renderer, m_mapsRect, m_grid);
        m_model2.layoutPanes(m_panes);
        return;
    }
    gfx::PixelRect mapsTitle;
    if (!m_panes.empty()) {  // beside titled panes: the maps get a title strip too, level with theirs
        const gfx::TitledPane tp = gfx::titled(area);
        mapsTitle = tp.title;
        area = tp.content;
    }
    if (m_renderer.hasActivations()) {
        const gfx::ActivationRenderer::Params p =
            gfx::viewParams(m_view, m_renderer, area, m_mapsRect, gfx::kTileLabel, singleShape(m_frameRect));
        if (mapsTitle.w > 0) m_panes.push_back({"maps", mapsTitleText(m_view, m_shownLayer, channels()), mapsTitle, m_mapsRect});
        m_grid = p.grid;
        m_renderer.draw(m_mapsRect, fbH, p);
    }
}

void Gui::drawCompare(const gfx::PixelRect& area, int fbH, bool live) {
    gfx::ActivationRenderer* maps[2] = {&m_origRenderer, &m_renderer};
    gfx::ActivationRenderer* grams[2] = {&m_origGramRenderer, &m_gramRenderer};
    const gfx::PixelRect rest = m_unit.drawCompareColumn(area, fbH, live, m_inputs.backprop);
    const gfx::CompareLayout l = gfx::drawCompare(m_view, maps, grams, rest, fbH);
    gfx::CompareRects* rects = live ? m_cmp : m_cmpOffscreen;
    rects[0] = l.side[0];
    rects[1] = l.side[1];
    if (live) {
        const char* parts[] = {"frame", "maps", "gram"};
        for (int side = 0; side < 2; ++side) {
            const gfx::PixelRect* r[] = {&l.side[side].frame, &l.side[side].maps, &l.side[side].gram};
            for (int k = 0; k < 3; ++k)
                if (r[k]->w > 0)
                    m_panes.push_back({std::string(side ? "stylised_" : "original_") + parts[k], "", {r[k]->x, r[k]->y - 17, r[k]->w, 17}, *r[k]});
        }
        if (const gfx::PixelRect& u = m_unit.rect(); u.w > 0) m_panes.push_back({"backprop", "", {u.x, u.y - 17, u.w, 17}, u});
    }
    if (live) {  // hover, clicks and the highlight follow the stylised side
        m_mapsRect = l.side[1].maps;
        m_grid = l.grid;
        m_frameRect = l.side[1].frame;
    }
}

void Gui::renderOffscreen(cv::Size size) {
    m_panesOffscreen.clear();
    m_mapsRectOffscreen = {};
    m_gridOffscreen = {};
    m_gridOffscreen.cols = 0;
    if (!m_offscreen.ensure(size)) return;
    m_offscreen.bind();
    glClearColor(0.f, 0.f, 0.f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (m_view.atlas) {
        drawAtlas({0, 0, size.width, size.height}, size.height, false);
    } else if (comparing()) {
        drawCompare({0, 0, size.width, size.height}, size.height, false);
    } else {
        gfx::PixelRect area{0, 0, size.width, size.height}, frameRect;
        // The same panes as the window's: the input frame, the back-projection, the top-9 sheet, a
        // style transfer's image beside its maps, each under its title.
        area = m_unit.drawColumn(area, size.height, false, m_renderer, m_view.showInput, m_inputs.backprop, m_inputs.topk, frameRect,
                                 &m_panesOffscreen, inputTitle());
        if (model2Shown()) {
            m_model2.draw(area, size.height, false, m_view, m_renderer, m_mapsRect, m_grid);
            m_offscreen.unbind();
            return;
        }
        const bool beside = !m_panesOffscreen.empty() || m_view.mode == ViewMode::Overlay;
        gfx::PixelRect mapsTitle;
        if (!m_panesOffscreen.empty()) {
            const gfx::TitledPane tp = gfx::titled(area);
            mapsTitle = tp.title;
            area = tp.content;
        }
        const gfx::ActivationRenderer::Params p = gfx::viewParams(m_view, m_renderer, area, m_mapsRectOffscreen, gfx::kTileLabel,
                                                                  beside && m_renderer.hasFrame() ? m_renderer.frameSize() : cv::Size());
        m_gridOffscreen = p.mode == ViewMode::Grid ? p.grid : gfx::GridLayout{};
        if (p.mode != ViewMode::Grid) m_gridOffscreen.cols = 0;
        m_renderer.draw(m_mapsRectOffscreen, size.height, p);
        if (mapsTitle.w > 0) m_panesOffscreen.push_back({"maps", mapsTitleText(m_view, m_shownLayer, channels()), mapsTitle, m_mapsRectOffscreen});
    }
    m_offscreen.unbind();
}

}  // namespace cnnscope::app::detail
