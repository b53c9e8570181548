// The second model's glue (the part itself: app/model2_view): the panel's load and unload, each UI
// frame's update and request for the frame and layer on screen, and what the window draws.
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

Model2View::Post Gui::poster() {
    return [this](const std::string& text, ui::Message::Level level) { post(text, level); };
}

void Gui::loadModel2(const std::string& spec) {
    m_model2.load(m_opts.common, spec, m_pipeline->model().target().actual, poster());
}

bool Gui::model2Shown() const {
    return m_model2.loaded() && !m_view.atlas && !comparing() && !m_transfer.active() && m_renderer.hasActivations();
}

bool Gui::model2Current() const {
    return m_model2.current(m_shownLayer, m_shownFrameId, !(m_pipeline->paused() || m_pipeline->sourceIsStill()));
}

Model2View::Labels Gui::model2Labels() const {
    return {m_pipeline->model().label(), m_shownLayer, m_view.norm.mode};
}

void Gui::model2Tick() {
    if (!m_model2.active()) return;
    m_model2.update(m_view.norm, poster());
    if (!m_model2.loaded() || m_act.empty() || m_transfer.active() || m_shownLayer.empty()) return;
    // The frame whose maps are on screen: live, or a kept frame while scrubbing the history.
    cv::Mat frame;
    uint64_t id = 0;
    int64_t index = 0;
    if (!historySource(frame, id, index) || id != m_shownFrameId) {
        if (m_historyPos >= 0 || m_result.frameId != m_shownFrameId) return;  // the maps on screen are being replaced
        frame = m_result.frame;
        index = m_result.frameIndex;
    }
    // Right after a model, size or target change the maps on screen may still be the old model's
    // (and a new pipeline numbers its frames from 1 again): wait for maps of A's current shape.
    if (!mapsOfCurrentModel()) return;
    m_model2.request(frame, index, m_shownFrameId, m_act, m_shownLayer, m_pipeline->model().layers(),
                     m_pipeline->model().preprocessing().size, m_view.norm);
}

}  // namespace cnnscope::app::detail
