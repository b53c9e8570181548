// The window's Why worker (see why_worker.hpp).
#include "app/why_worker.hpp"

#include "core/model/classifier.hpp"
#include "core/model/model.hpp"
#include "core/unit/cam_faith.hpp"
#include "core/unit/cam_forwards.hpp"

#include <chrono>

namespace cnnscope::app {

Status WhyWorker::prepare(const WhyRequest& r, std::string& layer) {
    if ((!m_model && m_modelError.empty()) || r.generation != m_modelGeneration) {
        // First use, or the window changed its model: never classify through an old copy.
        m_chain.reset();
        m_chainError.clear();
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
        m_chainError.clear();
        if (auto st = restoreAblation(*m_model, m_backup); !st) return st;
        m_ablated.clear();
        m_ablatedLayer.clear();
        if (!want.empty()) {
            if (auto st = ablateChannels(*m_model, layer, want, &m_backup); !st) return st;
            m_ablated = want;
            m_ablatedLayer = layer;
        }
    }
    if (!m_chain && m_chainError.empty()) {
        auto chain = BackwardChain::buildToLogits(*m_model);
        if (!chain) m_chainError = chain.error();
        else m_chain = std::make_unique<BackwardChain>(std::move(*chain));
    }
    // The forwards-only maps run through the model's own net: without a backward they still work
    // (the channels' attribution is left out).
    if (!m_chain && !camIsForwardsOnly(r.method)) return Error{m_chainError};
    return {};
}

WhyResult WhyWorker::compute(const WhyRequest& r) {
    const auto t0 = std::chrono::steady_clock::now();
    WhyResult res;
    res.frameId = r.frameId;
    res.generation = r.generation;
    res.method = r.method;
    res.requestedClass = r.classIndex;
    res.asked = r;
    res.asked.frame = cv::Mat();
    res.asked.model = {};
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
    if (camIsForwardsOnly(r.method)) {
        if (auto st = forwardsOnly(r, blob, res, t0); !st) {
            res.cancelled = m_loop.superseded();
            return fail(st.error());
        }
    } else {
        std::vector<double> perChannel;
        if (auto st = camWithAttribution(*m_chain, blob, res.layer, r.method, cls, res.cam, perChannel); !st) return fail(st.error());
        res.channels = rankChannels(perChannel);
    }
    if (r.faithfulness) {
        Faithfulness f;
        LogitsOf logitsOf = m_chain ? chainLogits(*m_chain) : LogitsOf([this](const cv::Mat& b, cv::Mat& z) { return batchLogits(*m_model, b, z); });
        if (auto st = faithfulness(logitsOf, blob, res.cam.map, res.cam.classIndex, res.cam.probability, 0.2, 0, f); !st)
            return fail(st.error());
        res.faithTop = f.topDrop();
        res.faithRandom = f.randomDrop();
    }
    res.overlay = camBlend(r.frame, res.cam.map, &res.range);
    res.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

Status WhyWorker::forwardsOnly(const WhyRequest& r, const cv::Mat& blob, WhyResult& res, std::chrono::steady_clock::time_point t0) {
    // The class and its probability, and the channels' attribution when the backward runs.
    if (m_chain) {
        std::vector<double> perChannel;
        if (auto st = channelAttribution(*m_chain, blob, res.layer, r.classIndex, res.cam, perChannel); !st) return st;
        res.channels = rankChannels(perChannel);
    } else {
        if (auto st = m_model->logits(r.frame, res.cam.logits); !st) return st;
        if (auto st = pickClass(r.classIndex, res.cam); !st) return st;
        res.note = "no channel attribution: " + m_chainError;
    }
    cv::Mat A;
    const bool score = r.method == CamMethod::ScoreCam;
    if (score)  // (occlusion's map is of the input's patches; res.layer stays the attribution's)
        if (auto st = m_model->forward(r.frame, res.layer, A); !st) return st;
    ForwardsOptions o;
    const cv::Size input(blob.size[3], blob.size[2]);
    occlusionDefaults(input, o.patch, o.stride);
    if (!score) res.note = cv::format("%d px patches, stride %d", o.patch, o.stride) + (res.note.empty() ? "" : "; " + res.note);
    const cv::Size grid = occlusionGrid(input, o.patch, o.stride);
    auto last = std::chrono::steady_clock::now();
    o.cancelled = [this] { return m_loop.superseded(); };
    o.partial = [&](int done, int total, const std::vector<double>& scores) {
        res.done = done;
        res.total = total;
        const auto now = std::chrono::steady_clock::now();
        if (done == total || now - last < std::chrono::milliseconds(250)) return;  // the UI takes a few a second
        last = now;
        WhyResult p = res;
        p.partial = true;
        p.cam.map = score ? scoreCamFromScores(A, scores, done) : occlusionFromScores(scores, done, grid.height, grid.width);
        p.overlay = camBlend(r.frame, p.cam.map, &p.range);
        p.ms = std::chrono::duration<double, std::milli>(now - t0).count();
        m_loop.publishPartial(std::move(p));
    };
    if (score) return scoreCamMap(*m_model, blob, A, res.cam.classIndex, o, res.cam.map);
    return occlusionMap(*m_model, blob, res.cam.classIndex, o, res.cam.map);
}

}  // namespace cnnscope::app
