// Model's use of the oneDNN executor (core/model/onednn_chain.hpp): the plain prefix of the net
// runs there, in the requested precision, when the target is the CPU and the conv mode is not
// opencv; a layer it cannot take (or a build without oneDNN) runs OpenCV dnn as before.
#include "core/model/model.hpp"

#include "core/model/chain.hpp"
#include "core/model/conv_mode.hpp"
#include "core/model/onednn_chain.hpp"
#if CNNSCOPE_ONEDNN
#include "core/model/onednn_conv.hpp"
#endif

#include <map>

namespace cnnscope {

struct Model::Exec {
    bool read = false;                      // the net's plain prefix was read (stages or problem)
    std::vector<ChainStage> stages;         // its stages (weights copied once, shared by the chains)
    std::string problem;                    // why the net has no executor at all
#if CNNSCOPE_ONEDNN
    // One executor per (precision, conv mode) asked for, kept: bench alternates them frame by
    // frame, the window switches live.
    std::map<std::pair<int, int>, OneDnnChain> chains;
    OneDnnChain* chain = nullptr;           // the one the last request chose
#endif
    std::map<std::string, size_t> stageOf;  // net layer name -> stage
    bool lastRan = false;                   // the last forward ran on the executor
};

Model::Model() = default;
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

void Model::weightsChanged() {
    m_exec.reset();
#if CNNSCOPE_ONEDNN
    for (const std::string& name : m_net.getLayerNames()) {
        cv::Ptr<cv::dnn::Layer> layer = m_net.getLayer(m_net.getLayerId(name));
        if (auto* fast = dynamic_cast<FastConvLayer*>(layer.get())) fast->weightsChanged();
    }
#endif
    resetNetSetup(m_net);
}

std::vector<size_t> Model::executorStages(const std::vector<std::string>& netNames) {
    if (!m_exec) m_exec = std::make_unique<Exec>();
    m_exec->lastRan = false;
#if CNNSCOPE_ONEDNN
    if (m_target.actual != "cpu") {
        m_engine = "OpenCV dnn (target " + m_target.actual + ")";
        return {};
    }
    if (convMode() == ConvMode::OpenCV) {
        m_engine = "OpenCV dnn (--conv opencv)";
        return {};
    }
    const PrecisionChoice pc = precisionChoice();
    Exec& e = *m_exec;
    if (!e.read) {
        e.read = true;
        e.stages = longestPlainChain(m_net, int(m_net.getLayerNames().size()));
        if (e.stages.empty()) e.problem = "its first layer is not one the executor runs";
        for (size_t k = 0; k < e.stages.size(); ++k) e.stageOf[e.stages[k].name] = k;
    }
    if (!e.problem.empty()) {
        m_engine = "OpenCV dnn (" + e.problem + ")";
        return {};
    }
    const auto key = std::make_pair(int(pc.actual), int(convMode()));
    auto it = e.chains.find(key);
    if (it == e.chains.end()) {
        auto chain = OneDnnChain::create(e.stages, pc.actual == Precision::BF16, false,
                                         convMode() == ConvMode::Auto || convMode() == ConvMode::Winograd);
        if (!chain) {
            m_engine = "OpenCV dnn (" + chain.error() + ")";
            return {};
        }
        it = e.chains.emplace(key, std::move(*chain)).first;
    }
    e.chain = &it->second;
    std::vector<size_t> out;
    for (const std::string& n : netNames) {
        auto it = e.stageOf.find(n);
        if (it == e.stageOf.end() || !e.chain->readable(it->second)) {
            m_engine = "OpenCV dnn ('" + n + "' is " + (it == e.stageOf.end() ? "past the layers the executor runs" : "a pre-ReLU output") + ")";
            return {};
        }
        out.push_back(it->second);
    }
    return out;
#else
    (void)netNames;
    m_engine = "OpenCV dnn (built without oneDNN)";
    return {};
#endif
}

Status Model::forwardExecutor(const std::vector<size_t>& stages, const std::vector<std::string>& what, std::vector<cv::Mat>& outs) {
#if CNNSCOPE_ONEDNN
    Exec& e = *m_exec;
    size_t last = 0;
    for (size_t k : stages) last = std::max(last, k);
    if (auto st = e.chain->forward(m_buffers.blob, last); !st) return st;
    for (size_t i = 0; i < what.size() && i < outs.size(); ++i)
        if (auto st = e.chain->read(stages[i], outs[i]); !st) return Error{"layer '" + what[i] + "': " + st.error()};
    e.lastRan = true;
    const PrecisionChoice pc = precisionChoice();
    m_engine = std::string("oneDNN executor, ") + precisionName(pc.actual) + (pc.note.empty() ? "" : " (" + pc.note + ")");
    return {};
#else
    (void)stages, (void)what, (void)outs;
    return Error{"built without oneDNN"};
#endif
}

void Model::executorReport(ConvReport& report) const {
    report.engine = m_engine;
    report.requested = precisionName(requestedPrecision());
    report.precision = m_exec && m_exec->lastRan ? precisionName(precisionChoice().actual) : "f32";  // OpenCV dnn runs f32
#if CNNSCOPE_ONEDNN
    if (!m_exec || !m_exec->lastRan || !m_exec->chain) return;
    const OneDnnChain& c = *m_exec->chain;
    int counts[3] = {0, 0, 0};  // winograd, direct, opencv
    for (auto& row : report.layers) {
        const std::string net = row.name + (m_kerasNames ? "/conv" : "");
        auto it = m_exec->stageOf.find(net);
        if (it == m_exec->stageOf.end()) it = m_exec->stageOf.find(row.name);
        if (it != m_exec->stageOf.end() && !c.kernel(it->second).empty()) {  // planned: what ran or runs there
            // The layer's own plan applies the same rule; its reason stands when the choice agrees.
            if (row.kernel != c.kernel(it->second)) row.why.clear();
            row.kernel = c.kernel(it->second);
            row.impl = c.impl(it->second);
            row.planned = false;
        } else if (it != m_exec->stageOf.end()) {  // not reached yet at this size: what will run
            if (c.bf16() && row.kernel == "winograd") row.kernel = "direct", row.why = "bf16 has no Winograd";
            row.impl.clear();
            row.planned = true;
        }  // else past the executor: OpenCV dnn's report stands
        counts[row.kernel == "winograd" ? 0 : row.kernel == "direct" ? 1 : 2]++;
    }
    // The summary keeps its old shape, the engine after it.
    report.summary = std::string(convModeName(convMode())) + ": " + std::to_string(counts[0]) + " winograd, " +
                     std::to_string(counts[1]) + " direct, " + std::to_string(counts[2]) + " opencv (oneDNN " + oneDnnVersion() + ")" +
                     (winogradOnThisCpu() ? "" : std::string("; ") + kNoWinogradOnCpu) + "; " + m_engine;
#endif
}

}  // namespace cnnscope
