// Understanding one unit in the window: the back-projection of the selected channel (UnitWorker on
// its own thread, latest-wins), the top-9 sheet of that channel (TopKFeeder), both stacked beside
// the maps under the input frame, and the receptive field of the map pixel under the pointer. Its
// state (workers, renderers, the result on screen, the last request, rects, hover, timings) and
// logic; it holds no pointer to the window: what is on screen and the message channel come as
// arguments.
#pragma once

#include "app/topk_feeder.hpp"
#include "app/unit_worker.hpp"
#include "app/view.hpp"
#include "core/pipeline/pipeline.hpp"
#include "core/render/view.hpp"
#include "gfx/activation_renderer.hpp"
#include "gfx/view_layout.hpp"
#include "session/session.hpp"
#include "ui/panel.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

struct ImDrawList;

namespace cnnscope::app {

class UnitView : public View {
public:
    // The view contract (app/view.hpp): a column left of the maps (in the compare layout, left of
    // original | stylised), the receptive field over the input frame, the scripted wait for the
    // back-projection and sheet of the view's frame.
    const char* name() const override { return "unit"; }
    bool initGl(std::string* error) override { return m_renderer.init(error) && m_topkRenderer.init(error); }
    void releaseGl() override {  // while the context is current
        m_renderer = gfx::ActivationRenderer();
        m_topkRenderer = gfx::ActivationRenderer();
    }
    void stop() override {  // joins the workers
        m_topk.reset();
        m_worker.reset();
    }
    void tick(ViewContext& c) override;  // the back-projection asked for, the top-9 sheet fed
    CanvasClaim claim(const ViewContext&) const override { return CanvasClaim::Column; }
    gfx::PixelRect draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) override;
    void overlay(ImDrawList* dl, ViewContext& c) override;
    cv::Mat burnLabels(const cv::Mat& pixels, const ViewContext& c) const override;
    std::string statsJson(const ViewContext& c) const override;
    // The scripted run waits (idle, and before its frames count) until the back-projection and sheet
    // on screen are the view's (or failed).
    bool computing(const ViewContext& c) const override;

    // The maps on screen.
    struct Shown {
        const cv::Mat* act = nullptr;  // (1,C,H,W)
        std::string layer;
        uint64_t frameId = 0;
        int channel = 0;          // the view's (not clamped)
        uint64_t generation = 0;  // the pipeline's
    };
    static Shown shown(const ViewContext& c) { return {&c.act, c.shownLayer, c.shownFrameId, c.view.channel, c.generation}; }
    static std::string compareLabel(int backprop);  // the compare layout's back-projection column
    static std::string backpropTitle(int backprop, int channel);

private:
    using Post = std::function<void(const std::string&, ui::Message::Level)>;
    // `backprop`: 0 off, 1 guided, 2 deconv, 3 grad. `live`: the source moves on (not paused, not still).
    bool current(const Shown& s, int backprop, bool topk, bool live) const;
    // Takes the worker's newest result (started on first use); results of older models are dropped.
    void take(uint64_t generation, const Post& post);
    // Asks for the back-projection of `frame` unless already asked; `model`: the pipeline's model now.
    void request(const cv::Mat& frame, const Shown& s, int backprop, const std::function<session::CommonOptions()>& model);
    // Feeds the accumulator, refreshes the sheet, applies the panel's reset / export requests.
    void topkTick(ui::PanelInputs& inputs, const InferenceResult& result, const Pipeline& pipeline, const Shown& s, const Post& post);
    // Stacked in the left half of `area`, top to bottom: the input frame (the maps' renderer's,
    // when the view shows it), the back-projection, the top-9 sheet, each under its title strip;
    // returns what is left for the maps.
    gfx::PixelRect drawColumn(const gfx::PixelRect& area, DrawTarget& t, const ViewContext& c);
    // The compare layout's back-projection column (left of original | stylised); returns the rest.
    gfx::PixelRect drawCompareColumn(const gfx::PixelRect& area, DrawTarget& t, int backprop);
    // The receptive field of the hovered map pixel on the input frame, the channel's peak.
    void drawReceptiveField(ImDrawList* dl, const ViewContext& c);

    std::unique_ptr<UnitWorker> m_worker;  // started when back-projection is first turned on
    gfx::ActivationRenderer m_renderer;    // the back-projection image, drawn as a frame
    UnitResult m_result;                   // newest result (its image uploaded)
    UnitRequest m_asked;                   // the last request (frame left empty)
    bool m_pending = false;
    gfx::PixelRect m_rect, m_rectOffscreen;  // the window's; the last offscreen compare render's
    std::vector<double> m_ms;
    cv::Rect m_hoverField;  // frame pixels, clipped; empty when nothing is hovered
    cv::Point m_hoverPeak{-1, -1};
    std::unique_ptr<TopKFeeder> m_topk;      // started when the sheet is first turned on
    gfx::ActivationRenderer m_topkRenderer;  // the selected channel's sheet, drawn as a frame
    cv::Mat m_topkSheet;
    uint64_t m_topkFedFrame = 0, m_topkSheetSeq = ~uint64_t(0), m_topkGeneration = 0;
    int m_topkSheetChannel = -1;
    gfx::PixelRect m_topkRect;
};

}  // namespace cnnscope::app
