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

void Gui::decideCanvas() { m_plan = m_views.plan(context()); }

void Gui::drawFrame() {
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    glViewport(0, 0, fbW, fbH);
    glClearColor(0.08f, 0.08f, 0.09f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    m_layout = screenLayout();
    m_screen.clear(fbH, true);
    drawCanvas(m_layout.canvas, m_screen);
}

void Gui::renderOffscreen(cv::Size size) {
    m_offscreenDraw.clear(size.height, false);
    if (!m_offscreen.ensure(size)) return;
    m_offscreen.bind();
    glClearColor(0.f, 0.f, 0.f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    drawCanvas({0, 0, size.width, size.height}, m_offscreenDraw);
    m_offscreen.unbind();
}

// The canvas as this UI frame's plan has it, for the window and offscreen targets alike: one
// view's, or the compare layout, or the column views (input frame, back-projection, top-9 sheet)
// beside the maps pane, which a view (the second model's A | B | A - B) may replace.
void Gui::drawCanvas(const gfx::PixelRect& canvas, DrawTarget& t) {
    ViewContext c = context();
    if (const char* title = m_views.inputTitle(c)) t.inputTitle = title;
    if (m_plan.canvas) {
        m_plan.canvas->draw(canvas, t, c);
        return;
    }
    if (m_plan.compare) {
        drawCompare(canvas, t, c);
        return;
    }
    gfx::PixelRect area = canvas;
    for (View* v : m_plan.columns) area = v->draw(area, t, c);
    if (m_plan.maps) m_plan.maps->draw(area, t, c);
    else drawMaps(area, t);
}

void Gui::drawMaps(gfx::PixelRect area, DrawTarget& t) {
    gfx::PixelRect mapsTitle;
    if (!t.panes.empty()) {  // beside titled panes: the maps get a title strip too, level with theirs
        const gfx::TitledPane tp = gfx::titled(area);
        mapsTitle = tp.title;
        area = tp.content;
    }
    if (!m_renderer.hasActivations()) return;
    // Beside the frame, the overlay or the back-projection a single map takes the frame's shape.
    const bool frameShaped = (t.besideFrame || m_view.mode == ViewMode::Overlay) && m_renderer.hasFrame();
    const gfx::ActivationRenderer::Params p =
        gfx::viewParams(m_view, m_renderer, area, t.mapsRect, gfx::kTileLabel, frameShaped ? m_renderer.frameSize() : cv::Size());
    t.grid = p.grid;
    t.gridShown = p.mode == ViewMode::Grid;
    m_renderer.draw(t.mapsRect, t.fbHeight, p);
    if (mapsTitle.w > 0) t.panes.push_back({"maps", mapsTitleText(m_view, m_shownLayer, channels()), mapsTitle, t.mapsRect});
}

void Gui::drawCompare(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) {
    gfx::ActivationRenderer* maps[2] = {&m_origRenderer, &m_renderer};
    gfx::ActivationRenderer* grams[2] = {&m_origGramRenderer, &m_gramRenderer};
    gfx::PixelRect rest = area;
    for (View* v : m_plan.columns) rest = v->draw(rest, t, c);  // the back-projection of the stylised frame
    const gfx::CompareLayout l = gfx::drawCompare(m_view, maps, grams, rest, t.fbHeight);
    gfx::CompareRects* rects = t.live ? m_cmp : m_cmpOffscreen;
    rects[0] = l.side[0];
    rects[1] = l.side[1];
    if (!t.live) return;
    std::vector<gfx::Pane> sides;
    const char* parts[] = {"frame", "maps", "gram"};
    for (int side = 0; side < 2; ++side) {
        const gfx::PixelRect* r[] = {&l.side[side].frame, &l.side[side].maps, &l.side[side].gram};
        for (int k = 0; k < 3; ++k)
            if (r[k]->w > 0) sides.push_back({std::string(side ? "stylised_" : "original_") + parts[k], "", {r[k]->x, r[k]->y - 17, r[k]->w, 17}, *r[k]});
    }
    t.panes.insert(t.panes.begin(), sides.begin(), sides.end());
    // Hover, clicks and the highlight follow the stylised side.
    t.mapsRect = l.side[1].maps;
    t.grid = l.grid;
    t.frameRect = l.side[1].frame;
}

}  // namespace cnnscope::app::detail
