// The maps view drawn into the window or an offscreen target (layout in gfx/view_layout).
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

gfx::PixelRect Gui::viewArea() const {
    int w = 0, h = 0;
    m_window.framebufferSize(w, h);
    const int left = m_view.showPanel ? int(kPanelWidth) : 0;
    return {left, 0, std::max(1, w - left), h};
}

gfx::PixelRect Gui::mapsArea() const {
    // Below the caption and banners, left of the colorbar.
    gfx::PixelRect a = viewArea();
    const int top = 24 + 22 * bannerCount();
    const int right = m_view.showColorbar ? 96 : 0;
    return {a.x, a.y + top, std::max(1, a.w - right), std::max(1, a.h - top - kTimelineHeight)};
}

int Gui::bannerCount() const {
    return int(m_pipeline->model().untrained()) + int(!m_sourceNote.empty()) + int(!m_pipeline->sourceError().empty()) +
           int(!m_pipeline->inferenceError().empty()) + int(m_transfer.active());
}

void Gui::drawFrame() {
    int fbW = 0, fbH = 0;
    m_window.framebufferSize(fbW, fbH);
    glViewport(0, 0, fbW, fbH);
    glClearColor(0.08f, 0.08f, 0.09f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);

    gfx::PixelRect area = mapsArea();
    if (m_view.atlas) {
        m_mapsRect = m_frameRect = {};
        drawAtlas(area, fbH, true);
        return;
    }
    if (comparing()) {
        drawCompare(area, fbH, true);
        return;
    }
    area = m_unit.drawColumn(area, fbH, true, m_renderer, m_view.showInput, m_inputs.backprop, m_inputs.topk, m_frameRect);
    if (model2Shown()) {
        m_model2.draw(area, fbH, true, m_view, m_renderer, m_mapsRect, m_grid);
        return;
    }
    if (m_renderer.hasActivations()) {
        const gfx::ActivationRenderer::Params p = gfx::viewParams(m_view, m_renderer, area, m_mapsRect);
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
    if (live) {  // hover, clicks and the highlight follow the stylised side
        m_mapsRect = l.side[1].maps;
        m_grid = l.grid;
        m_frameRect = l.side[1].frame;
    }
}

void Gui::renderOffscreen(cv::Size size) {
    if (!m_offscreen.ensure(size)) return;
    m_offscreen.bind();
    glClearColor(0.f, 0.f, 0.f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (m_view.atlas) {
        drawAtlas({0, 0, size.width, size.height}, size.height, false);
    } else if (comparing()) {
        drawCompare({0, 0, size.width, size.height}, size.height, false);
    } else {
        gfx::PixelRect rect, area{0, 0, size.width, size.height};
        // Recordings show the back-projection too, and a style transfer's image beside its maps.
        if (m_inputs.backprop > 0 || m_transfer.active()) area = m_unit.drawColumn(area, size.height, false, m_renderer, m_view.showInput, m_inputs.backprop, m_inputs.topk, m_frameRect);
        if (model2Shown()) {
            m_model2.draw(area, size.height, false, m_view, m_renderer, m_mapsRect, m_grid);
            m_offscreen.unbind();
            return;
        }
        const gfx::ActivationRenderer::Params p = gfx::viewParams(m_view, m_renderer, area, rect);
        m_renderer.draw(rect, size.height, p);
    }
    m_offscreen.unbind();
}

}  // namespace cnnscope::app::detail
