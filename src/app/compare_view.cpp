// The compare (style) layout as a view (see compare_view.hpp).
#include "app/compare_view.hpp"

#include "app/draw_text.hpp"
#include "core/unit/gram.hpp"

#include <opencv2/imgproc.hpp>

#include <sstream>

namespace cnnscope::app {

void CompareView::releaseGl() {
    m_orig = gfx::ActivationRenderer();
    m_gram = gfx::ActivationRenderer();
    m_origGram = gfx::ActivationRenderer();
}

void CompareView::onResult(ViewContext& c) {
    const InferenceResult& r = c.result;
    if (!r.originalAct.empty()) channelRanges(r.originalAct, c.view.norm, m_origRanges, m_scratch);
    if (r.originalAct.empty() || r.gram.empty()) {
        m_gramDistance = -1;
        return;
    }
    // One shared scale for both Gram matrices: equal colours are equal values.
    const Range g = gramRange(r.gram, r.originalGram);
    const int C = r.gram.rows;
    const int shape[4] = {1, 1, C, C};
    m_gram.upload(r.gram.reshape(1, 4, shape), {g});
    m_origGram.upload(r.originalGram.reshape(1, 4, shape), {g});
    m_orig.upload(r.originalAct, m_origRanges);
    m_orig.uploadFrame(r.original);
    m_gramDistance = gramDistance(r.gram, r.originalGram);
}

bool CompareView::onPanelEvent(const ui::PanelEvent& e, ViewContext& c) {
    if (e.kind != ui::PanelEvent::Kind::NormChanged) return false;
    if (!c.result.originalAct.empty()) channelRanges(c.result.originalAct, c.view.norm, m_origRanges, m_scratch);
    if (c.comparing && !m_origRanges.empty()) m_orig.uploadRanges(m_origRanges);
    return false;  // the window's maps follow the new normalisation too
}

CanvasClaim CompareView::claim(const ViewContext& c) const {
    return c.view.compare && c.style && m_orig.hasActivations() ? CanvasClaim::Compare : CanvasClaim::None;
}

gfx::PixelRect CompareView::draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) {
    gfx::ActivationRenderer* maps[2] = {&m_orig, &c.maps};
    gfx::ActivationRenderer* grams[2] = {&m_origGram, &m_gram};
    const gfx::CompareLayout l = gfx::drawCompare(c.view, maps, grams, area, t.fbHeight);
    gfx::CompareRects* rects = t.live ? m_rects : m_rectsOffscreen;
    rects[0] = l.side[0];
    rects[1] = l.side[1];
    if (!t.live) return {};
    std::vector<gfx::Pane> sides;
    const char* parts[] = {"frame", "maps", "gram"};
    for (int side = 0; side < 2; ++side) {
        // the titles overlay() draws above each part
        const CompareLabels labels =
            compareLabels(side, c.pipeline.styleLabel(), c.shownLayer, m_gram.mapSize().width, m_gramDistance, CaptionFor::Screen);
        const std::string* titles[] = {&labels.title, &labels.layer, &labels.gram};
        const gfx::PixelRect* r[] = {&l.side[side].frame, &l.side[side].maps, &l.side[side].gram};
        for (int k = 0; k < 3; ++k)
            if (r[k]->w > 0)
                sides.push_back({std::string(side ? "stylised_" : "original_") + parts[k], *titles[k], {r[k]->x, r[k]->y - 17, r[k]->w, 17}, *r[k], true});
    }
    t.panes.insert(t.panes.begin(), sides.begin(), sides.end());  // before the columns' panes
    // Hover, clicks and the highlight follow the stylised side.
    t.mapsRect = l.side[1].maps;
    t.grid = l.grid;
    t.frameRect = l.side[1].frame;
    return {};
}

void CompareView::overlay(ImDrawList* dl, ViewContext& c) {
    if (!c.comparing) return;
    const int C = m_gram.mapSize().width;
    for (int side = 0; side < 2; ++side) {
        const gfx::CompareRects& r = m_rects[side];
        const CompareLabels l = compareLabels(side, c.pipeline.styleLabel(), c.shownLayer, C, m_gramDistance, CaptionFor::Screen);
        auto label = [&](const gfx::PixelRect& at, const std::string& t, ImU32 colour) { textIn(dl, {at.x, at.y - 17, at.w, 17}, t, colour, 1); };
        label(r.frame, l.title, IM_COL32(255, 255, 255, 255));
        label(r.maps, l.layer, IM_COL32(200, 200, 200, 255));
        label(r.gram, l.gram, IM_COL32(200, 200, 200, 255));
    }
}

cv::Mat CompareView::burnLabels(const cv::Mat& pixels, const ViewContext& c) const {
    if (!c.comparing) return pixels;
    cv::Mat labelled = pixels.clone();  // the window draws these labels with ImGui; files get them burnt in
    const int C = m_gram.mapSize().width;
    for (int side = 0; side < 2; ++side) {
        const gfx::CompareRects& r = m_rectsOffscreen[side];
        const CompareLabels l = compareLabels(side, c.pipeline.styleLabel(), c.shownLayer, C, m_gramDistance, CaptionFor::File);
        auto text = [&](const std::string& t, const gfx::PixelRect& at) {
            cv::putText(labelled, t, {at.x, std::max(12, at.y - 5)}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar::all(235), 1, cv::LINE_AA);
        };
        text(l.title, r.frame);
        text(l.layer, r.maps);
        text(l.gram, r.gram);
    }
    return labelled;
}

void CompareView::panel(ui::PanelInfo& info, const ViewContext& c) const {
    if (c.style && !c.pipeline.styleLabel().empty()) info.gramDistance = m_gramDistance;
}

void CompareView::captionFacts(CaptionFacts& f, const ViewContext& c) const {
    if (c.comparing) f.gramDistance = m_gramDistance;
}

std::string CompareView::statsFields(const ViewContext& c) const {
    std::string rects;
    for (int side = 0; side < 2; ++side)
        rects += cv::format("%s{\"frame\": %s, \"maps\": %s, \"gram\": %s}", side ? ", " : "", gfx::rectJson(m_rects[side].frame).c_str(),
                            gfx::rectJson(m_rects[side].maps).c_str(), gfx::rectJson(m_rects[side].gram).c_str());
    std::ostringstream g;
    g << m_gramDistance;  // as the stats JSON always printed it
    return std::string("  \"compare\": ") + (c.comparing ? "true" : "false") + ",\n  \"gram_distance\": " + g.str() +
           ",\n  \"compare_rects\": [" + rects + "],\n";
}

}  // namespace cnnscope::app
