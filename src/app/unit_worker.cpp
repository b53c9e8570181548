// The window's back-projection worker (see unit_worker.hpp).
#include "app/unit_worker.hpp"

#include "core/model/model.hpp"

#include <chrono>

namespace cnnscope::app {

UnitResult UnitWorker::compute(const UnitRequest& r) {
    const auto t0 = std::chrono::steady_clock::now();
    UnitResult res;
    res.frameId = r.frameId;
    res.layer = r.layer;
    res.channel = r.channel;
    res.mode = r.mode;
    res.generation = r.generation;
    if ((!m_model && m_modelError.empty()) || r.generation != m_modelGeneration) {
        // First use, or the window changed its model: never back-project through an old copy.
        m_chain = BackwardChain();  // shares the old model's net
        m_chainLayer.clear();
        m_model.reset();
        m_modelError.clear();
        m_modelGeneration = r.generation;
        session::CommonOptions o = r.model;
        o.quiet = true;
        auto model = session::loadModel(o);
        if (model) m_model = std::make_unique<Model>(std::move(*model));
        else m_modelError = model.error();
    }
    if (!m_model) {
        res.error = "back-projection: " + m_modelError;
        return res;
    }
    if (m_chainLayer != r.layer) {
        auto chain = BackwardChain::build(*m_model, r.layer);
        if (!chain) {
            res.error = "back-projection: " + chain.error();
            return res;
        }
        m_chain = std::move(*chain);
        m_chainLayer = r.layer;
    }
    const cv::Mat blob = m_model->preprocessFrame(r.frame).clone();
    if (blob.dims == 4) res.blobSize = {blob.size[3], blob.size[2]};
    cv::Mat grad;
    if (auto st = backProject(m_chain, blob, r.layer, r.channel, r.mode, grad); !st) {
        res.error = "back-projection: " + st.error();
        return res;
    }
    renderBackprop(grad, m_model->preprocessing().swapRB, r.frame.size(), res.bgr);
    res.forwardMs = m_chain.lastForwardMs();
    res.backwardMs = m_chain.lastBackwardMs();
    res.totalMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace cnnscope::app
