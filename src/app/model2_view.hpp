// The second model's part of the window: model B (`--model2`, the panel's Second model section)
// beside A, and the difference A - B. Its state (the worker, B's load state, the result on screen,
// the three panes and their ranges, rects and timings) and its logic; it holds no pointer to the
// window: the frame, A's maps, the view and the message channel come as arguments.
#pragma once

#include "app/model2_worker.hpp"
#include "app/view.hpp"
#include "core/render/view.hpp"
#include "gfx/activation_renderer.hpp"
#include "gfx/view_layout.hpp"
#include "session/session.hpp"
#include "ui/panel.hpp"

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct ImDrawList;

namespace cnnscope::app {

class Model2View : public View {
public:
    // The view contract (app/view.hpp): A | B | A - B replaces the maps pane while B is loaded.
    const char* name() const override { return "model2"; }
    Status beforeWindow(const detail::ViewOptions& o, const Model& a, const std::string& layer) override;  // --model2
    void stop() override { m_worker.reset(); }        // joins the worker
    void releaseGl() override { m_panes.reset(); }    // while the context is current
    void tick(ViewContext& c) override;  // takes B's newest result; asks for the frame and layer on screen
    bool onPanelEvent(const ui::PanelEvent& e, ViewContext& c) override;
    CanvasClaim claim(const ViewContext& c) const override {  // (the compare layout, earlier in the registry, comes first)
        return loaded() && !c.view.atlas && !c.mapsOwned && c.maps.hasActivations() ? CanvasClaim::Maps : CanvasClaim::None;
    }
    gfx::PixelRect draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) override;
    void overlay(ImDrawList* dl, ViewContext& c) override;
    cv::Mat burnLabels(const cv::Mat& pixels, const ViewContext& c) const override;
    void panel(ui::PanelInfo& info, const ViewContext&) const override { this->info(info.model2); }
    void legends(std::vector<Legend>& out, const ViewContext& c) const override;  // the difference's
    std::string statsJson(const ViewContext& c) const override { return statsJson(shown(c)); }
    bool computing(const ViewContext& c) const override;  // until B's result of the view's frame and layer is on screen


    using Post = std::function<void(const std::string&, ui::Message::Level)>;
    // What A's side of the view is: for the labels.
    struct Labels {
        std::string modelA;  // A's model label
        std::string shownLayer;
        NormMode norm = NormMode::Channel;
    };

    // `base` with B's model `spec` (a file, a models.yml name or 'untrained'), quiet, no style.
    static session::CommonOptions options(const session::CommonOptions& base, const std::string& spec);
    // --model2: loaded and matched to A's `layer` before the window opens.
    Status start(const session::CommonOptions& base, const std::string& spec, const Model& a, const std::string& layer);
    // The panel's Load: on the worker's thread, on `target` (where A runs now).
    void load(const session::CommonOptions& base, const std::string& spec, const std::string& target, const Post& post);
    void unload(const Post& post);

    bool active() const { return m_worker != nullptr; }
    bool loaded() const { return m_worker && m_state.loaded; }
    // Scripted runs wait for B's result of the view's frame and layer; `live`: the source moves on.
    bool current(const std::string& shownLayer, uint64_t shownFrameId, bool live) const;

    // Each UI frame: announces a finished load, takes B's newest result and uploads it.
    void update(const Normalization& norm, const Post& post);
    // Asks B for `frame` (A's maps of it: `act` at `layer`) unless already asked.
    void request(const cv::Mat& frame, int64_t frameIndex, uint64_t frameId, const cv::Mat& act, const std::string& layer,
                 const std::vector<LayerInfo>& layersA, cv::Size inputSize, const Normalization& norm);

    // A | B | A - B in `area`; A's pane is `a` (the live maps) until B answers. `live`: the window
    // (hover, clicks and the highlight follow A's pane: `mapsRect` and `grid` are set).
    void draw(const gfx::PixelRect& area, int fbHeight, bool live, const ViewState& view, gfx::ActivationRenderer& a,
              gfx::PixelRect& mapsRect, gfx::GridLayout& grid);
    void drawLabels(ImDrawList* dl, const Labels& l) const;
    cv::Mat labelOffscreen(const cv::Mat& view, const Labels& l) const;  // offscreen renders: the labels burnt in
    void info(ui::Model2Info& info) const;
    std::string statsJson(bool shown) const;
    // The window's panes and their label strips, for the layout check; the A - B pane's max |A-B|
    // (-1: no difference on screen).
    void layoutPanes(std::vector<gfx::Pane>& out, const Labels& l) const;
    double differenceMax() const { return m_result.actB.empty() || !m_result.error.empty() ? -1.0 : double(m_result.maxAbs); }

private:
    bool shown(const ViewContext& c) const { return c.plan.maps == this; }  // this UI frame's canvas has it
    Labels labels(const ViewContext& c) const { return {c.pipeline.model().label(), c.shownLayer, c.view.norm.mode}; }
    std::array<std::string, 2> label(int pane, const Labels& l) const;  // two lines; pane 0 A, 1 B, 2 A - B
    void take(const Normalization& norm, const Post& post);  // B's newest result, uploaded
    void upload(bool maps, const Normalization& norm);  // the three panes' ranges (and maps) for the result on screen

    std::unique_ptr<Model2Worker> m_worker;  // created by --model2 or the panel's first load
    Model2State m_state;
    uint64_t m_announced = 0;  // the load whose outcome Messages has said
    Model2Result m_result;     // on screen
    Model2Request m_asked;     // the last request (no frame or maps kept)
    cv::Mat m_spare;           // A's maps of a result no longer shown: the next request copies into it
    struct Panes {
        gfx::ActivationRenderer a, b, diff;
    };
    std::unique_ptr<Panes> m_panes;  // GL objects: made on the first result, gone in releaseGl()
    std::vector<Range> m_ranges[3];
    std::vector<float> m_rangeScratch;
    std::string m_normKey;
    gfx::PixelRect m_rects[3], m_rectsOffscreen[3];
    std::vector<double> m_ms;
};

}  // namespace cnnscope::app
