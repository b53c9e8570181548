// The window's Why worker (see why_worker.hpp).
#include "app/why_worker.hpp"

#include "core/model/classifier.hpp"
#include "core/model/model.hpp"
#include "core/unit/cam_faith.hpp"

#include <chrono>

namespace cnnscope::app {

Status WhyWorker::prepare(const WhyRequest& r, std::string& layer) {
    if ((!m_model && m_modelError.empty()) || r.generation != m_modelGeneration) {
        // First use, or the window changed its model: never classify through an old copy.
        m_chain.reset();
        m_model.reset();
        m_modelError.clear();
        m_noHead = false;
        m_ablated.clear();
        m_ablatedLayer.clear();
        m_backup = AblationBackup();
        m_modelGeneration = r.generation;
        session::CommonOptions o = r.model;
        o.quiet = true;
        auto model = session::loadModel(o, nullptr, /*withHead=*/true);
        if (!model) {
            m_modelError = model.error();
        } else if (!model->hasHead()) {
            m_modelError = model->headProblem();
            m_noHead = true;
        } else if (auto p = model->headSizeProblem(); !p.empty()) {
            m_modelError = p;
        } else if (auto names = loadClassLabels(std::string(), model->classCount()); !names) {
            m_modelError = names.error();
        } else {
            m_names = std::move(*names);
            m_model = std::make_unique<Model>(std::move(*model));
        }
    }
    if (!m_model) return Error{m_modelError};
    layer = camLayerUsable(*m_model, r.layer) ? r.layer : lastConvLayer(*m_model);
    if (layer.empty()) return Error{"the model has no convolution layer to make a class map at"};
    // Ablation: the model as the request wants it (the old channels back first).
    const std::vector<int> want = r.ablate;
    if (want != m_ablated || (!want.empty() && layer != m_ablatedLayer)) {
        m_chain.reset();
        if (auto st = restoreAblation(*m_model, m_backup); !st) return st;
        m_ablated.clear();
        m_ablatedLayer.clear();
        if (!want.empty()) {
            if (auto st = ablateChannels(*m_model, layer, want, &m_backup); !st) return st;
            m_ablated = want;
            m_ablatedLayer = layer;
        }
    }
    if (!m_chain) {
        auto chain = BackwardChain::buildToLogits(*m_model);
        if (!chain) return Error{chain.error()};
        m_chain = std::make_unique<BackwardChain>(std::move(*chain));
    }
    return {};
}

WhyResult WhyWorker::compute(const WhyRequest& r) {
    const auto t0 = std::chrono::steady_clock::now();
    WhyResult res;
    res.frameId = r.frameId;
    res.generation = r.generation;
    res.method = r.method;
    res.requestedClass = r.classIndex;
    res.serial = r.serial;
    auto fail = [&](const std::string& e) {
        res.error = "why: " + e;
        res.noHead = m_noHead;
        return res;
    };
    if (auto st = prepare(r, res.layer); !st) return fail(st.error());
    res.ablated = m_ablated;
    res.names = m_names;
    const cv::Mat blob = m_model->preprocessFrame(r.frame).clone();
    const int cls = r.classIndex;  // past the model's classes: pickClass's error names the range
    std::vector<double> perChannel;
    if (auto st = camWithAttribution(*m_chain, blob, res.layer, r.method, cls, res.cam, perChannel); !st) return fail(st.error());
    res.channels = rankChannels(perChannel);
    if (r.faithfulness) {
        Faithfulness f;
        if (auto st = faithfulness(chainLogits(*m_chain), blob, res.cam.map, res.cam.classIndex, res.cam.probability, 0.2, 0, f); !st)
            return fail(st.error());
        res.faithTop = f.topDrop();
        res.faithRandom = f.randomDrop();
    }
    res.overlay = camBlend(r.frame, res.cam.map, &res.range);
    res.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace cnnscope::app
