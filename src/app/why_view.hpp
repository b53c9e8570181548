// Why the network decides, in the window: the top-5 classes through the model's classifier head
// (with smoothing over frames; a clicked class is followed, else the top-1), the class map of the
// followed class over the input frame in a column beside the maps, and the channels of the map's
// layer ranked by attribution (a click shows one; ticked ones are zeroed and the network runs
// again without them). WhyWorker computes on its own thread, latest-wins; this holds its state,
// its result on screen, the pane and its legend. No pointer to the window.
#pragma once

#include "app/view.hpp"
#include "app/why_worker.hpp"
#include "gfx/activation_renderer.hpp"

#include <memory>
#include <string>
#include <vector>

namespace cnnscope::app {

class WhyView : public View {
public:
    const char* name() const override { return "why"; }
    Status checkOptions(const detail::ViewOptions& o, bool scripted) override;  // --why, --class
    Status afterPipeline(const detail::ViewOptions& o, ViewContext& c) override;
    bool initGl(std::string* error) override { return m_renderer.init(error); }
    void releaseGl() override { m_renderer = gfx::ActivationRenderer(); }  // while the context is current
    void stop() override { m_worker.reset(); }                             // joins the worker
    void tick(ViewContext& c) override;  // takes the newest result, asks for the frame on screen
    bool onPanelEvent(const ui::PanelEvent& e, ViewContext& c) override;
    bool onScriptArgument(const std::string& name, const std::string& value, ViewContext& c) override;  // why=, class=, ablate=
    CanvasClaim claim(const ViewContext& c) const override {
        return c.inputs.why && m_renderer.hasFrame() && m_result.error.empty() && m_result.generation == c.generation ? CanvasClaim::Column
                                                                                                                    : CanvasClaim::None;
    }
    gfx::PixelRect draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) override;
    void panel(ui::PanelInfo& info, const ViewContext& c) const override;
    void legends(std::vector<Legend>& out, const ViewContext& c) const override;
    std::string captionSuffix(const ViewContext& c) const override;
    std::string statsJson(const ViewContext& c) const override;
    // The scripted run waits until the result on screen is for the view's frame, layer, method,
    // class and ablation (or failed).
    bool computing(const ViewContext& c) const override;

    // The pane's title: "gradcam map of LABEL (53.1%)" (the layer is in the panel).
    // The pane's title; in the compare layout it says the map is of the stylised frame (the one the
    // pipeline's network saw), which the column stands beside the original of.
    std::string title(bool comparing) const;

private:
    WhyRequest wanted(const ViewContext& c, const cv::Mat& frame, uint64_t frameId) const;
    static bool sameSettings(const WhyRequest& a, const WhyRequest& b);  // all but the frame
    // The newest request is not answered in full (an older one's answer, or a map building up).
    bool pending() const { return m_result.asked.serial != m_asked.serial || m_result.partial; }
    void take(ViewContext& c);
    std::string className(int index) const;

    std::unique_ptr<WhyWorker> m_worker;  // started when the section is first turned on
    gfx::ActivationRenderer m_renderer;   // the class map over the frame, drawn as a frame
    WhyResult m_result;                   // on screen (its overlay uploaded)
    Range m_mapRange;
    std::vector<double> m_smoothed;       // softmax of the logits, averaged over frames
    uint64_t m_smoothGeneration = ~uint64_t(0);
    WhyRequest m_asked;                   // the last request (frame left empty)
    uint64_t m_serial = 0;                // requests made
    std::string m_layerKey;               // the layer asked for ('' : the last conv layer's output)
    bool m_layerKeySet = false;
    uint64_t m_generation = ~uint64_t(0); // the pipeline's, as last seen (a change resets class and ablation)
    double m_intactProbability = -1;
    int m_intactClass = -1;
    gfx::PixelRect m_rect;
};

}  // namespace cnnscope::app
