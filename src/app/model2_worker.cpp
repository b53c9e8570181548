// The window's second network (see model2_worker.hpp).
#include "app/model2_worker.hpp"

#include "core/model/model.hpp"

#include <chrono>

namespace cnnscope::app {

namespace {
double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

std::string model2LoadError(std::string error) {
    for (size_t at = 0; (at = error.find("(--model)", at)) != std::string::npos; at += 10) error.replace(at, 9, "(--model2)");
    return error;
}

uint64_t Model2Worker::queueLoad(std::unique_ptr<PendingLoad> pending, std::string spec) {
    uint64_t g = 0;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        g = ++m_state.generation;
        m_state.loading = true;
        m_state.loaded = false;
        m_state.spec = std::move(spec);
        m_state.error.clear();
        pending->generation = g;
        m_pending = std::move(pending);
    }
    m_loop.wake();
    return g;
}

uint64_t Model2Worker::load(session::CommonOptions opts, std::string spec) {
    auto pending = std::make_unique<PendingLoad>();
    pending->opts = std::move(opts);
    return queueLoad(std::move(pending), std::move(spec));
}

uint64_t Model2Worker::adopt(std::unique_ptr<Model> model, std::string spec) {
    auto pending = std::make_unique<PendingLoad>();
    pending->model = std::move(model);
    return queueLoad(std::move(pending), std::move(spec));
}

uint64_t Model2Worker::unload() {
    uint64_t g = 0;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        g = ++m_state.generation;
        m_state = Model2State();
        m_state.generation = g;
        m_pending = std::make_unique<PendingLoad>();
        m_pending->generation = g;
    }
    m_loop.wake();
    return g;
}

Model2State Model2Worker::state() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_state;
}

void Model2Worker::applyPendingLoad() {
    std::unique_ptr<PendingLoad> p;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        p.swap(m_pending);
    }
    if (!p) return;
    m_model.reset();  // the old model goes first: two VGG19s need not coexist in memory
    m_modelGeneration = p->generation;
    std::unique_ptr<Model> model = std::move(p->model);
    std::string error;
    std::vector<std::string> warnings;
    if (!model && p->opts) {
        session::CommonOptions o = *p->opts;
        o.quiet = true;
        auto loaded = session::loadModel(o, &warnings);
        if (loaded) model = std::make_unique<Model>(std::move(*loaded));
        else error = model2LoadError(loaded.error());
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_state.generation != p->generation) return;  // superseded meanwhile; the next pending one applies
    m_state.loading = false;
    m_state.loaded = model != nullptr;
    m_state.error = error;
    m_state.warnings = warnings;
    if (model) {
        m_state.label = model->label();
        m_state.source = model->source();
        m_state.untrained = model->untrained();
    }
    m_model = std::move(model);
}

bool Model2Worker::step(bool got, Model2Request& req, Model2Result& out) {
    applyPendingLoad();
    if (!got || !m_model || req.generation != m_modelGeneration) return false;  // a stale request: the UI asks again
    out = compute(req);
    return true;
}

Model2Result Model2Worker::compute(Model2Request& r) {
    Model2Result res;
    res.frameId = r.frameId;
    res.frameIndex = r.frameIndex;
    res.generation = r.generation;
    res.match.layerA = r.layerA;
    if (m_model->preprocessing().size != r.inputSize && r.inputSize.area() > 0)
        if (auto st = m_model->setInputSize(r.inputSize); !st) {
            res.error = "model B at A's input size: " + st.error();
            return res;
        }
    auto match = matchLayer(*r.layersA, r.layerA, m_model->layers());
    if (!match) {
        res.error = match.error();
        return res;
    }
    res.match = *match;
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = m_model->forward(r.frame, match->layerB, res.actB); !st) {
        res.error = "model B: " + st.error();
        return res;
    }
    res.forwardMs = msSince(t0);
    const auto t1 = std::chrono::steady_clock::now();
    if (auto st = layerDifference(r.actA, res.actB, DiffScale::PerChannel, res.diff, res.diffRanges, &res.maxAbs); !st) {
        res.error = st.error();
        return res;
    }
    res.diffMs = msSince(t1);
    std::vector<float> scratch;
    channelRanges(r.actA, r.norm, res.rangesA, scratch);
    channelRanges(res.actB, r.norm, res.rangesB, scratch);
    res.norm = r.norm;
    res.actA = std::move(r.actA);
    return res;
}

}  // namespace cnnscope::app
