// The atlas view: every conv channel of the network for one frame in one zoomable, pannable view.
// Its state (layout, camera, the frame on screen, timings) and its GL renderer; the forward runs on
// the inference thread (Pipeline::computeLayers) and the packing on a job thread, one request in
// flight; the main thread uploads and draws. It holds no pointer to the window: the pipeline, the
// view's colouring and the job runner's results come as arguments.
#pragma once

#include "app/jobs.hpp"
#include "app/view.hpp"
#include "core/base/expected.hpp"
#include "core/pipeline/pipeline.hpp"
#include "core/render/atlas.hpp"
#include "gfx/atlas_renderer.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

struct ImDrawList;

namespace cnnscope::app {

// One atlas computation: the packed tiles and what they cost.
struct AtlasJobResult {
    Status status;
    bool busy = false;  // the network was lent to another request: try again
    AtlasFrame frame;
    double forwardMs = 0, packMs = 0, totalMs = 0;
};

class AtlasView : public View {
public:
    // The view contract (app/view.hpp): key a toggles it; it takes the whole canvas while on.
    const char* name() const override { return "atlas"; }
    Status afterPipeline(const detail::ViewOptions& o, ViewContext& c) override;  // --atlas
    bool initGl(std::string* error) override { return m_renderer.init(error); }
    void releaseGl() override { m_renderer = gfx::AtlasRenderer(); }  // while the context is current
    void tick(ViewContext& c) override;  // asks for the newest (or the kept) frame's atlas when none is in flight
    bool onKey(KeyAction a, ViewContext& c) override;
    CanvasClaim claim(const ViewContext& c) const override { return c.view.atlas ? CanvasClaim::Canvas : CanvasClaim::None; }
    gfx::PixelRect draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) override;
    void overlay(ImDrawList* dl, ViewContext& c) override;  // band labels, hover, zoom, pan; a click shows that channel
    std::string statsJson(const ViewContext& c) const override { return statsJson(c.view.atlas); }
    bool showing(const ViewContext& c) const override;  // its data, of the kept frame while scrubbing

    // A request for a frame's atlas: `work` runs on a job thread, then apply() on the main thread.
    struct Request {
        uint64_t frameId = 0;
        std::string normKey;
        std::function<AtlasJobResult(JobProgress&)> work;
    };
    // A click on a tile: show that layer's channel.
    struct Pick {
        std::string layer;
        int channel = 0;
    };

    // The layout of `model`'s conv layers; rebuilt when `generation` (the pipeline's) changed.
    Status ensureLayout(const Model& model, uint64_t generation);
    bool hasLayout() const { return m_layout.has_value(); }
    bool hasData() const { return m_renderer.hasData(); }
    int64_t frameIndex() const { return m_frame.frameIndex; }  // of the atlas on screen
    bool retryLater() const { return Clock::now() < m_retryAt; }

    // The request for `frame` under `norm`, or nothing when the atlas on screen is already of it.
    // Call after ensureLayout() succeeded.
    std::optional<Request> request(Pipeline& pipeline, const cv::Mat& frame, uint64_t frameId, int64_t frameIndex,
                                   const Normalization& norm);
    // Main thread: a request's result is uploaded; the error to show, if any (busy: retried soon).
    Status apply(AtlasJobResult& r, uint64_t frameId, const std::string& normKey);

    // `live`: the window (the camera is kept); else an offscreen render of the fitted view.
    void draw(const gfx::PixelRect& area, int fbHeight, bool live, Colormap cmap, float gamma);
    // Band labels, and with `interactive`: hover, wheel zoom, drag pan; a click on a tile is returned.
    std::optional<Pick> drawOverlay(ImDrawList* dl, bool interactive);
    std::string statsJson(bool shown) const;

private:
    gfx::AtlasRenderer m_renderer;
    std::optional<AtlasLayout> m_layout;
    uint64_t m_layoutGeneration = 0, m_frameId = 0, m_frames = 0;
    AtlasFrame m_frame;  // on screen (hover values)
    std::string m_normKey;
    gfx::AtlasCamera m_cam;
    gfx::PixelRect m_rect;
    bool m_fitted = false, m_dragged = false;
    Clock::time_point m_retryAt{};
    std::vector<double> m_times;  // request -> packed, ms
    double m_forwardMs = 0, m_packMs = 0, m_uploadMs = 0;
};

}  // namespace cnnscope::app
