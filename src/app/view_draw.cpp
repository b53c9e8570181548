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

void Gui::decideCanvas() { m_canvas.plan = m_views.plan(context()); }

void Gui::drawFrame() {
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    glViewport(0, 0, fbW, fbH);
    glClearColor(0.08f, 0.08f, 0.09f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    m_canvas.layout = screenLayout();
    m_canvas.screen.clear(fbH, true);
    drawCanvas(m_canvas.layout.canvas, m_canvas.screen);
}

void Gui::renderOffscreen(cv::Size size) {
    m_canvas.offscreenDrawn.clear(size.height, false);
    if (!m_offscreen.ensure(size)) return;
    m_offscreen.bind();
    glClearColor(0.f, 0.f, 0.f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    drawCanvas({0, 0, size.width, size.height}, m_canvas.offscreenDrawn);
    m_offscreen.unbind();
}

// The canvas as this UI frame's plan has it, for the window and offscreen targets alike: one
// view's (the atlas), or the column views (input frame, back-projection, top-9 sheet) beside the
// maps pane, which a view may replace (original | stylised; the second model's A | B | A - B).
void Gui::drawCanvas(const gfx::PixelRect& canvas, DrawTarget& t) {
    ViewContext c = context();
    if (const char* title = m_views.inputTitle(c)) t.inputTitle = title;
    if (m_canvas.plan.canvas) {
        m_canvas.plan.canvas->draw(canvas, t, c);
        return;
    }
    gfx::PixelRect area = canvas;
    for (View* v : m_canvas.plan.columns) area = v->draw(area, t, c);
    if (m_canvas.plan.maps) m_canvas.plan.maps->draw(area, t, c);
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
    if (mapsTitle.w > 0) t.panes.push_back({"maps", mapsTitleText(m_view, m_maps.layer, channels()), mapsTitle, t.mapsRect});
}

}  // namespace cnnscope::app::detail
