// The unit features' glue (the part itself: app/unit_view): what is on screen and where, each UI
// frame's back-projection request and top-9 feed, and the pipeline's model for a worker's copy.
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

UnitView::Shown Gui::unitShown() const {
    return {&m_act, m_shownLayer, m_shownFrameId, m_view.channel, m_pipelineGeneration};
}

UnitView::Pointer Gui::unitPointer() const {
    return {m_mapsRect, m_frameRect, &m_grid, m_view.mode, m_opts.frames > 0};
}

bool Gui::unitCurrent() const {
    return m_unit.current(unitShown(), m_inputs.backprop, m_inputs.topk, !(m_pipeline->paused() || m_pipeline->sourceIsStill()));
}

void Gui::unitTick() {
    if (m_inputs.backprop <= 0 || m_act.empty() || m_result.frame.empty()) return;
    m_unit.take(m_pipelineGeneration, poster());
    // The frame whose maps are on screen: a kept frame while scrubbing the history (once its maps
    // are shown), else the newest result's (also for a layer shown from the paused frame's cache).
    cv::Mat frame = m_result.frame;
    uint64_t frameId = m_result.frameId;
    int64_t index = 0;
    if (historySource(frame, frameId, index) && m_historyShownIndex != index) return;
    if (frameId != m_shownFrameId) return;
    m_unit.request(frame, unitShown(), m_inputs.backprop, [this] { return workerModelOptions(); });
}

void Gui::topkTick() {
    if (!m_inputs.topk || m_act.empty() || m_result.frame.empty()) return;
    m_unit.topkTick(m_inputs, m_result, *m_pipeline, unitShown(), poster());
}

session::CommonOptions Gui::workerModelOptions() const {
    // What the pipeline runs now (the panel may have changed the model, input size or target since
    // startup), as options a worker loads its own copy from. The kernel choice is process-wide.
    const Model& m = m_pipeline->model();
    session::CommonOptions o = m_opts.common;
    o.model = m.untrained() ? std::string() : m.source();
    o.untrained = m.untrained();
    const cv::Size s = m.preprocessing().size;
    o.inputSize = s.area() > 0 ? std::to_string(s.width) + "x" + std::to_string(s.height) : std::string();
    o.target = m.target().actual;
    o.quiet = true;
    return o;
}

}  // namespace cnnscope::app::detail
