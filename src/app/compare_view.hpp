// The compare (style) layout as a view: with a style network and `c` (--compare), original |
// stylised side by side, each with its frame, its maps and its Gram matrix, on one shared Gram
// scale, right of the column views (which draw their compare variant: the back-projection of the
// stylised frame). Its state: the original side's and both Gram matrices' renderers, the original
// maps' ranges, the Gram distance, the rects of the window's and the last offscreen layout.
#pragma once

#include "app/view.hpp"
#include "gfx/activation_renderer.hpp"
#include "gfx/view_layout.hpp"

#include <vector>

namespace cnnscope::app {

class CompareView : public View {
public:
    const char* name() const override { return "compare"; }
    bool initGl(std::string* error) override { return m_orig.init(error) && m_gram.init(error) && m_origGram.init(error); }
    void releaseGl() override;  // while the context is current
    void onResult(ViewContext& c) override;  // the newest result on screen: the original side and both Grams uploaded
    bool onPanelEvent(const ui::PanelEvent& e, ViewContext& c) override;  // NormChanged: the original side's ranges
    // The maps pane (and what is right of the columns) while a style runs with compare on and the
    // original side has come; the columns draw their compare variant beside it.
    CanvasClaim claim(const ViewContext& c) const override;
    gfx::PixelRect draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) override;
    void overlay(ImDrawList* dl, ViewContext& c) override;
    cv::Mat burnLabels(const cv::Mat& pixels, const ViewContext& c) const override;
    void panel(ui::PanelInfo& info, const ViewContext& c) const override;
    void captionFacts(CaptionFacts& f, const ViewContext& c) const override;
    std::string statsFields(const ViewContext& c) const override;  // "compare", "gram_distance", "compare_rects"

private:
    gfx::ActivationRenderer m_orig, m_gram, m_origGram;  // the original frame's maps; the stylised and original Grams
    std::vector<Range> m_origRanges;
    std::vector<float> m_scratch;
    double m_gramDistance = -1;
    gfx::CompareRects m_rects[2], m_rectsOffscreen[2];  // 0: original, 1: stylised; the window's and the last offscreen layout
};

}  // namespace cnnscope::app
