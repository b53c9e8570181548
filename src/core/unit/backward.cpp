// Backward engine: forward through OpenCV dnn, backward through OpenCV Deconvolution layers
// (transposed convolutions with the forward weights) and our own ReLU / max-pool routing.
#include "core/unit/backward.hpp"

#include "core/model/conv_mode.hpp"
#include "core/model/model.hpp"
#include "core/model/precision.hpp"

#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <limits>

namespace cnnscope {

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

struct BackwardChain::Stage : ChainStage {
    cv::dnn::Net deconv;            // conv: the transposed convolution for the current shapes (OpenCV path)
    std::vector<int> deconvIn;      // the input shape `deconv` was built for
    std::vector<int> deconvOut;
};

BackwardChain::BackwardChain() = default;
BackwardChain::~BackwardChain() = default;
BackwardChain::BackwardChain(BackwardChain&&) noexcept = default;
BackwardChain& BackwardChain::operator=(BackwardChain&&) noexcept = default;

Expected<ReluMode> parseReluMode(const std::string& name) {
    if (name == "guided") return ReluMode::Guided;
    if (name == "deconv") return ReluMode::Deconv;
    if (name == "grad") return ReluMode::Grad;
    return Error{"unknown mode '" + name + "'; use guided, deconv or grad"};
}

const char* reluModeName(ReluMode m) {
    switch (m) {
        case ReluMode::Guided: return "guided";
        case ReluMode::Deconv: return "deconv";
        case ReluMode::Grad: return "grad";
    }
    return "?";
}

const char* backwardSupportedTypes() { return chainSupportedTypes(); }

// The chain's own forward net: the same layers, outputs kept for every stage the backward reads
// (ReLU outputs, pool inputs, the top); a conv followed by a ReLU is not asked for, so OpenCV
// still fuses the pair.
void BackwardChain::buildForwardNet() {
    const size_t n = m_stages.size();
    m_outIndex.assign(n, -1);
    for (size_t i = 0; i < n; ++i) {
        const Stage& s = m_stages[i];
        cv::dnn::LayerParams lp;
        const std::string name = "s" + std::to_string(i);
        if (s.kind == Stage::Kind::Conv || s.kind == Stage::Kind::MaxPool) {
            lp.set("kernel_h", s.kh), lp.set("kernel_w", s.kw), lp.set("stride_h", s.sh), lp.set("stride_w", s.sw);
            lp.set("pad_t", s.pt), lp.set("pad_l", s.pl), lp.set("pad_b", s.pb), lp.set("pad_r", s.pr);
        }
        if (s.kind == Stage::Kind::Conv) {
            lp.set("num_output", s.weights.size[0]);
            lp.set("bias_term", true);
            lp.blobs = {s.weights, s.bias};
            m_net.addLayerToPrev(name, "Convolution", lp);
        } else if (s.kind == Stage::Kind::Relu) {
            m_net.addLayerToPrev(name, "ReLU", lp);
        } else if (s.kind == Stage::Kind::Identity) {
            m_net.addLayerToPrev(name, "Identity", lp);
        } else if (s.kind == Stage::Kind::Flatten) {
            m_net.addLayerToPrev(name, "Flatten", lp);
        } else if (s.kind == Stage::Kind::Dense) {
            lp.set("num_output", s.weights.rows);
            lp.set("bias_term", true);
            lp.set("axis", 1);
            lp.blobs = {s.weights, s.bias};
            m_net.addLayerToPrev(name, "InnerProduct", lp);
        } else {
            lp.set("pool", "max");
            lp.set("ceil_mode", s.ceil);
            m_net.addLayerToPrev(name, "Pooling", lp);
        }
        const bool fusedIntoNext = (s.kind == Stage::Kind::Conv || s.kind == Stage::Kind::Dense) && i + 1 < n &&
                                   m_stages[i + 1].kind == Stage::Kind::Relu;
        if (!fusedIntoNext) {
            m_outIndex[i] = int(m_outNames.size());
            m_outNames.push_back(name);
        }
    }
    m_net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    m_net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
}

Expected<BackwardChain> BackwardChain::build(Model& model, const std::string& layer) {
    return guard([&]() -> Expected<BackwardChain> {
        cv::dnn::Net& net = model.net();
        // The one lookup every command uses (Model::find): catalogue names and OpenCV's own.
        const LayerInfo* info = model.find(layer);
        const int top = info ? net.getLayerId(info->netName) : -1;
        if (top <= 0) return Error{"unknown layer '" + layer + "' for back-projection (see `cnnscope layers`)"};
        auto stages = plainChain(net, top, "on the way down from '" + layer + "'");
        if (!stages) return Error{stages.error()};
        BackwardChain chain;
        chain.m_top = layer;
        for (ChainStage& cs : *stages) {
            Stage s;
            static_cast<ChainStage&>(s) = std::move(cs);
            for (const LayerInfo& li : model.layers())
                if (li.netName == s.name) s.label = li.name;
            chain.m_stages.push_back(std::move(s));
        }
        chain.buildForwardNet();
        chain.chooseEngine();
        return chain;
    });
}

Expected<BackwardChain> BackwardChain::buildToLogits(Model& model) {
    if (!model.hasHead()) return Error{model.headProblem()};
    const SeqHead& head = model.kerasHead();
    if (head.dense.empty()) return build(model, model.logitsLayer());
    auto chain = build(model, head.input);
    if (!chain) return chain;
    return guard([&]() -> Expected<BackwardChain> {
        BackwardChain c = std::move(*chain);
        for (const SeqLayer& d : head.dense) {
            Stage s;
            s.kind = Stage::Kind::Dense;
            s.name = s.label = d.relu ? d.name + "/dense" : d.name;
            s.weights = d.weights;  // shared, read-only
            s.bias = d.bias;
            c.m_stages.push_back(std::move(s));
            if (d.relu) {
                Stage r;
                r.kind = Stage::Kind::Relu;
                r.name = r.label = d.name;
                c.m_stages.push_back(std::move(r));
            }
        }
        c.m_top = head.dense.back().name;
        c.m_net = cv::dnn::Net();
        c.m_outNames.clear();
        c.buildForwardNet();
        c.m_execPrecision = -1;
        c.chooseEngine();
        return c;
    });
}

void BackwardChain::chooseEngine() {
#if CNNSCOPE_ONEDNN
    const PrecisionChoice pc = currentPrecision();
    if (convMode() == ConvMode::OpenCV) {
        m_useExec = false;
        m_engine = "OpenCV dnn (--conv opencv)";
        return;
    }
    if (m_useExec && m_execPrecision == int(pc.actual)) return;
    std::vector<ChainStage> stages(m_stages.begin(), m_stages.end());  // weights shared, not copied
    auto exec = OneDnnChain::create(std::move(stages), pc.actual == Precision::BF16, true,
                                    convMode() == ConvMode::Auto || convMode() == ConvMode::Winograd);
    m_useExec = bool(exec);
    if (!exec) {
        m_engine = "OpenCV dnn (" + exec.error() + ")";
        return;
    }
    m_exec = std::move(*exec);
    m_execPrecision = int(pc.actual);
    m_engine = std::string("oneDNN ") + precisionName(pc.actual) + (pc.note.empty() ? "" : " (" + pc.note + ")");
#endif
}

std::vector<std::string> BackwardChain::layerNames() const {
    std::vector<std::string> names;
    for (const Stage& s : m_stages) names.push_back(s.name);
    return names;
}

int BackwardChain::stageOf(const std::string& name) const {
    for (size_t i = 0; i < m_stages.size(); ++i)
        if (m_stages[i].name == name || (!m_stages[i].label.empty() && m_stages[i].label == name)) return int(i);
    return -1;
}

std::vector<int> BackwardChain::shapeOf(int stage) const {
    if (m_useExec) return m_exec.shape(stage);
    if (stage < 0) return {m_input.size[0], m_input.size[1], m_input.size[2], m_input.size[3]};
    const int k = m_outIndex[size_t(stage)] >= 0 ? stage : stage + 1;  // a fused conv has its ReLU's shape
    const cv::Mat& m = m_outs[size_t(m_outIndex[size_t(k)])];
    return std::vector<int>(m.size.p, m.size.p + m.dims);
}

Status BackwardChain::forward(const cv::Mat& blob) {
    if (blob.dims != 4 || blob.size[0] != 1 || blob.size[1] != 3 || blob.type() != CV_32F)
        return Error{"the backward engine needs a (1, 3, H, W) float32 input blob"};
    chooseEngine();
    if (m_useExec) {
        m_read.assign(m_stages.size(), cv::Mat());
        blob.copyTo(m_input);
        auto st = m_exec.forward(m_input, m_stages.size() - 1);
        m_forwardMs = m_exec.lastForwardMs();
        return st;
    }
    return guard([&]() -> Status {
        const auto t0 = std::chrono::steady_clock::now();
        blob.copyTo(m_input);
        m_net.setInput(m_input);
        m_net.forward(m_outs, m_outNames);
        m_forwardMs = msSince(t0);
        return {};
    });
}

cv::Mat BackwardChain::output(const std::string& layer) const {
    const int k = stageOf(layer);
    if (m_useExec) {
        if (k < 0 || m_read.empty() || !m_exec.readable(size_t(k))) return {};
        if (m_read[size_t(k)].empty() && !m_exec.read(size_t(k), m_read[size_t(k)])) return {};
        return m_read[size_t(k)];
    }
    if (k < 0 || m_outs.empty()) return {};
    const int idx = m_outIndex[size_t(k)];
    if (idx < 0) return {};  // a conv fused with its ReLU: only the ReLU's output exists
    return m_outs[size_t(idx)];
}

namespace {

// g (1,C,H,W) in place through a ReLU whose output was y.
void reluBackward(cv::Mat& g, const cv::Mat& y, ReluMode mode) {
    const size_t n = g.total();
    cv::parallel_for_(cv::Range(0, g.size[1]), [&](const cv::Range& r) {
        const size_t plane = n / size_t(g.size[1]);
        float* gp = g.ptr<float>() + size_t(r.start) * plane;
        const float* yp = y.ptr<float>() + size_t(r.start) * plane;
        const size_t m = size_t(r.end - r.start) * plane;
        for (size_t i = 0; i < m; ++i) {
            const float v = gp[i];
            switch (mode) {
                case ReluMode::Guided: gp[i] = (yp[i] > 0.f && v > 0.f) ? v : 0.f; break;
                case ReluMode::Deconv: gp[i] = v > 0.f ? v : 0.f; break;
                case ReluMode::Grad: gp[i] = yp[i] > 0.f ? v : 0.f; break;
            }
        }
    });
}

// Routes g (1,C,Ho,Wo) to the forward winners in x (1,C,H,W): the first maximum in scan order
// of each window (clipped to the input; padding never wins). Overlapping windows add up.
void poolBackward(const cv::Mat& g, const cv::Mat& x, int kh, int kw, int sh, int sw, int pt, int pl, cv::Mat& out) {
    const int C = x.size[1], H = x.size[2], W = x.size[3], Ho = g.size[2], Wo = g.size[3];
    out.create(4, x.size.p, CV_32F);
    out.setTo(0);
    cv::parallel_for_(cv::Range(0, C), [&](const cv::Range& r) {
        for (int c = r.start; c < r.end; ++c) {
            const float* xp = x.ptr<float>() + size_t(c) * H * W;
            const float* gp = g.ptr<float>() + size_t(c) * Ho * Wo;
            float* op = out.ptr<float>() + size_t(c) * H * W;
            for (int oy = 0; oy < Ho; ++oy)
                for (int ox = 0; ox < Wo; ++ox) {
                    const int y0 = std::max(oy * sh - pt, 0), y1 = std::min(oy * sh - pt + kh, H);
                    const int x0 = std::max(ox * sw - pl, 0), x1 = std::min(ox * sw - pl + kw, W);
                    int best = -1;
                    float bv = -std::numeric_limits<float>::infinity();
                    for (int yy = y0; yy < y1; ++yy)
                        for (int xx = x0; xx < x1; ++xx)
                            if (xp[yy * W + xx] > bv || best < 0) bv = xp[yy * W + xx], best = yy * W + xx;
                    if (best >= 0) op[best] += gp[oy * Wo + ox];
                }
        }
    });
}

}  // namespace

Status BackwardChain::backward(const std::vector<std::pair<std::string, cv::Mat>>& seeds, ReluMode mode, cv::Mat& inputGrad) {
    return runBackward(seeds, mode, -1, inputGrad);
}

Status BackwardChain::backwardTo(const std::vector<std::pair<std::string, cv::Mat>>& seeds, ReluMode mode, const std::string& at,
                                 cv::Mat& grad) {
    const int k = stageOf(at);
    if (k < 0) return Error{"layer '" + at + "' is not in the chain up to '" + m_top + "'"};
    return runBackward(seeds, mode, k, grad);
}

Status BackwardChain::runBackward(const std::vector<std::pair<std::string, cv::Mat>>& seeds, ReluMode mode, int stop, cv::Mat& inputGrad) {
    if (m_useExec) {
        if (m_read.empty()) return Error{"backward before forward"};
        std::vector<std::pair<int, cv::Mat>> at;
        for (const auto& [name, g] : seeds) {
            const int k = stageOf(name);
            if (k < 0) return Error{"layer '" + name + "' is not in the chain up to '" + m_top + "'"};
            at.emplace_back(k, g);
        }
        const GradRelu g = mode == ReluMode::Guided ? GradRelu::Guided : mode == ReluMode::Deconv ? GradRelu::Deconv : GradRelu::Grad;
        auto st = m_exec.backward(at, g, stop, inputGrad);
        m_backwardMs = m_exec.lastBackwardMs();
        return st;
    }
    if (m_outs.empty()) return Error{"backward before forward"};
    int start = -1;
    std::vector<int> seedStage;
    for (const auto& [name, g] : seeds) {
        const int k = stageOf(name);
        if (k < 0) return Error{"layer '" + name + "' is not in the chain up to '" + m_top + "'"};
        const std::vector<int> shape = shapeOf(k);
        if (g.type() != CV_32F || g.dims != int(shape.size()) || !std::equal(shape.begin(), shape.end(), g.size.p))
            return Error{"the gradient seeded at '" + name + "' does not have the layer's shape"};
        seedStage.push_back(k);
        start = std::max(start, k);
    }
    if (start < 0) return Error{"backward needs at least one seed"};
    if (start <= stop) return Error{"the seeds must lie above layer '" + m_stages[size_t(stop)].name + "'"};
    return guard([&]() -> Status {
        const auto t0 = std::chrono::steady_clock::now();
        m_grad.release();
        for (int k = start; k > stop; --k) {
            for (size_t i = 0; i < seeds.size(); ++i) {
                if (seedStage[i] != k) continue;
                if (m_grad.empty()) seeds[i].second.copyTo(m_grad);
                else m_grad += seeds[i].second;
            }
            Stage& s = m_stages[size_t(k)];
            if (s.kind == Stage::Kind::Identity) {
                continue;
            } else if (s.kind == Stage::Kind::Flatten || s.kind == Stage::Kind::Dense) {
                const std::vector<int> in = shapeOf(k - 1);
                if (s.kind == Stage::Kind::Dense) {  // dL/dx = dL/dy W: (1, out) x (out, in)
                    cv::gemm(m_grad.reshape(1, 1), s.weights, 1.0, cv::noArray(), 0.0, m_tmp);
                    std::swap(m_grad, m_tmp);
                }
                m_grad = m_grad.reshape(1, int(in.size()), in.data()).clone();
            } else if (s.kind == Stage::Kind::Relu) {
                reluBackward(m_grad, m_outs[size_t(m_outIndex[size_t(k)])], mode);
            } else if (s.kind == Stage::Kind::MaxPool) {
                const int below = k - 1;
                const cv::Mat& x = below < 0 ? m_input : m_outs[size_t(m_outIndex[size_t(below)])];
                poolBackward(m_grad, x, s.kh, s.kw, s.sh, s.sw, s.pt, s.pl, m_tmp);
                std::swap(m_grad, m_tmp);
            } else {
                const std::vector<int> in = shapeOf(k), out = shapeOf(k - 1);
                if (s.deconv.empty() || s.deconvIn != in || s.deconvOut != out) {
                    // Caffe's Deconvolution is exactly the data gradient of a Convolution with the same
                    // weight blob (out, in, kh, kw); adj makes up the rows/cols a strided conv dropped.
                    cv::dnn::LayerParams lp;
                    lp.set("kernel_h", s.kh), lp.set("kernel_w", s.kw), lp.set("stride_h", s.sh), lp.set("stride_w", s.sw);
                    lp.set("pad_t", s.pt), lp.set("pad_l", s.pl), lp.set("pad_b", s.pb), lp.set("pad_r", s.pr);
                    lp.set("adj_h", (out[2] + s.pt + s.pb - s.kh) % s.sh);
                    lp.set("adj_w", (out[3] + s.pl + s.pr - s.kw) % s.sw);
                    lp.set("num_output", out[1]);
                    lp.set("bias_term", false);
                    lp.blobs = {s.weights};
                    s.deconv = cv::dnn::Net();
                    s.deconv.addLayerToPrev("deconv", "Deconvolution", lp);
                    s.deconv.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
                    s.deconv.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
                    s.deconvIn = in, s.deconvOut = out;
                }
                s.deconv.setInput(m_grad);
                s.deconv.forward().copyTo(m_tmp);
                std::swap(m_grad, m_tmp);
            }
        }
        m_grad.copyTo(inputGrad);
        m_backwardMs = msSince(t0);
        return {};
    });
}

Status backProject(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, int channel, ReluMode mode,
                   cv::Mat& inputGrad) {
    if (auto st = chain.forward(blob); !st) return st;
    cv::Mat act = chain.output(layer);
    if (act.empty()) return Error{"layer '" + layer + "' has no output in the back-projection chain"};
    if (channel < 0 || channel >= act.size[1])
        return Error{"channel " + std::to_string(channel) + " out of range for '" + layer + "' (0.." + std::to_string(act.size[1] - 1) + ")"};
    cv::Mat seed(act.dims, act.size.p, CV_32F, cv::Scalar(0));
    const size_t plane = size_t(act.size[2]) * act.size[3];
    std::copy_n(act.ptr<float>() + plane * size_t(channel), plane, seed.ptr<float>() + plane * size_t(channel));
    return chain.backward({{layer, seed}}, mode, inputGrad);
}

void renderBackprop(const cv::Mat& inputGrad, bool swapRB, cv::Size size, cv::Mat& bgr) {
    const int H = inputGrad.size[2], W = inputGrad.size[3];
    double lo = 0, hi = 0;
    cv::minMaxIdx(inputGrad, &lo, &hi);
    const double m = std::max(std::abs(lo), std::abs(hi));
    const double scale = m > 0 ? 127.5 / m : 0;
    std::vector<cv::Mat> planes(3);
    for (int c = 0; c < 3; ++c) {
        const int src = swapRB ? 2 - c : c;  // blob channel that holds BGR channel c
        cv::Mat p(H, W, CV_32F, const_cast<float*>(inputGrad.ptr<float>()) + size_t(src) * H * W);
        p.convertTo(planes[size_t(c)], CV_8U, scale, 127.5);
    }
    cv::Mat merged;
    cv::merge(planes, merged);
    cv::resize(merged, bgr, size, 0, 0, cv::INTER_LINEAR);
}

}  // namespace cnnscope
