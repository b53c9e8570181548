// Gatys style transfer on the backward engine: losses, their gradients at the layer outputs,
// one backward pass to the input, Adam with clamping.
#include "core/unit/transfer.hpp"

#include "core/base/parse.hpp"
#include "core/model/model.hpp"

#include <cmath>

namespace cnnscope {

Expected<cv::Size> parseTransferSize(const std::string& text) { return parseSize(text, kTransferMinSide, kTransferMaxSide); }

cv::Size defaultTransferSize(cv::Size content) {
    const double s = double(kTransferSide) / std::max(1, std::max(content.width, content.height));
    return {std::max(kTransferMinSide, int(std::lround(content.width * s))), std::max(kTransferMinSide, int(std::lround(content.height * s)))};
}

Expected<cv::Size> transferSize(const std::string& text, cv::Size content) {
    return text.empty() ? Expected<cv::Size>(defaultTransferSize(content)) : parseTransferSize(text);
}

namespace {

// A (1, C, H, W) activation seen as C x M (no copy).
cv::Mat asMatrix(const cv::Mat& act) {
    return cv::Mat(act.size[1], act.size[2] * act.size[3], CV_32F, const_cast<float*>(act.ptr<float>()));
}

// Gram matrix F F^T in double precision accumulation is not needed: float gemm, C x C.
void gram(const cv::Mat& act, cv::Mat& g) {
    const cv::Mat f = asMatrix(act);
    cv::gemm(f, f, 1.0, cv::noArray(), 0.0, g, cv::GEMM_2_T);
}

// TV of x (1,3,H,W) and, when grad is non-null, grad += weight * dTV/dx.
double totalVariation(const cv::Mat& x, double weight, cv::Mat* grad) {
    const int C = x.size[1], H = x.size[2], W = x.size[3];
    double tv = 0;
    for (int c = 0; c < C; ++c) {
        const float* p = x.ptr<float>() + size_t(c) * H * W;
        float* g = grad ? grad->ptr<float>() + size_t(c) * H * W : nullptr;
        for (int y = 0; y < H; ++y)
            for (int xx = 0; xx < W; ++xx) {
                const int i = y * W + xx;
                if (xx + 1 < W) {
                    const double d = double(p[i + 1]) - p[i];
                    tv += d * d;
                    if (g) g[i + 1] += float(2 * weight * d), g[i] -= float(2 * weight * d);
                }
                if (y + 1 < H) {
                    const double d = double(p[i + W]) - p[i];
                    tv += d * d;
                    if (g) g[i + W] += float(2 * weight * d), g[i] -= float(2 * weight * d);
                }
            }
    }
    return tv;
}

int deepest(Model& model, const TransferOptions& o, std::string& top) {
    int best = -1;
    std::vector<std::string> all = o.styleLayers;
    all.push_back(o.contentLayer);
    for (const auto& l : all) {
        const int id = model.net().getLayerId(l);
        if (id > best) best = id, top = l;
    }
    return best;
}

}  // namespace

Expected<StyleTransfer> StyleTransfer::create(Model& model, const cv::Mat& content, const cv::Mat& style, cv::Size size,
                                              const TransferOptions& o, const cv::Mat& init) {
    if (content.empty() || style.empty()) return Error{"style transfer needs a content and a style image"};
    if (o.styleLayers.empty()) return Error{"style transfer needs at least one style layer"};
    for (const auto& l : o.styleLayers)
        if (auto r = model.requireSpatialLayer(l); !r) return Error{"style layer: " + r.error()};
    if (auto r = model.requireSpatialLayer(o.contentLayer); !r) return Error{"content layer: " + r.error()};
    std::string top;
    deepest(model, o, top);
    auto chain = BackwardChain::build(model, top);
    if (!chain) return Error{chain.error()};
    StyleTransfer t;
    t.m_chain = std::move(*chain);
    t.m_opts = o;
    t.m_pre = model.preprocessing();
    t.m_pre.size = size;
    return guard([&]() -> Expected<StyleTransfer> {
        PreprocessBuffers buffers;
        cv::Mat styleBlob = preprocess(style, t.m_pre, buffers).clone();
        if (auto st = t.m_chain.forward(styleBlob); !st) return Error{st.error()};
        for (const auto& l : o.styleLayers) {
            cv::Mat act = t.m_chain.output(l);
            if (act.empty()) return Error{"style layer '" + l + "' has no output of its own (pick the ReLU after it)"};
            cv::Mat a;
            gram(act, a);
            t.m_styleGrams.push_back(a);
        }
        t.m_x = preprocess(content, t.m_pre, buffers).clone();
        if (auto st = t.m_chain.forward(t.m_x); !st) return Error{st.error()};
        cv::Mat p = t.m_chain.output(o.contentLayer);
        if (p.empty()) return Error{"content layer '" + o.contentLayer + "' has no output of its own (pick the ReLU after it)"};
        p.copyTo(t.m_content);
        if (!init.empty()) t.m_x = preprocess(init, t.m_pre, buffers).clone();
        for (int c = 0; c < 3; ++c) {
            t.m_lo[c] = (0.0 * t.m_pre.scale - t.m_pre.mean[c]) / t.m_pre.stddev[c];
            t.m_hi[c] = (255.0 * t.m_pre.scale - t.m_pre.mean[c]) / t.m_pre.stddev[c];
        }
        t.m_m = cv::Mat(4, t.m_x.size.p, CV_32F, cv::Scalar(0));
        t.m_v = cv::Mat(4, t.m_x.size.p, CV_32F, cv::Scalar(0));
        return std::move(t);
    });
}

Status StyleTransfer::lossAndGradient(const cv::Mat& blob, TransferLosses& L, cv::Mat* grad) {
    if (auto st = m_chain.forward(blob); !st) return st;
    return guard([&]() -> Status {
        L.styleLayer.clear();
        L.gramDistance.clear();
        std::vector<std::pair<std::string, cv::Mat>> seeds;
        const cv::Mat f = m_chain.output(m_opts.contentLayer);
        cv::Mat diff = f - m_content;
        L.content = 0.5 * diff.dot(diff);
        if (grad) seeds.emplace_back(m_opts.contentLayer, diff * m_opts.alpha);
        const double w = 1.0 / double(m_opts.styleLayers.size());
        L.style = 0;
        for (size_t i = 0; i < m_opts.styleLayers.size(); ++i) {
            const cv::Mat act = m_chain.output(m_opts.styleLayers[i]);
            const double C = act.size[1], M = double(act.size[2]) * act.size[3];
            cv::Mat g, d;
            gram(act, g);
            cv::subtract(g, m_styleGrams[i], d);
            const double e = w / (4 * C * C * M * M) * d.dot(d);
            L.styleLayer.push_back(e);
            const double na = cv::norm(m_styleGrams[i]);
            L.gramDistance.push_back(na > 0 ? cv::norm(d) / na : cv::norm(d));
            L.style += e;
            if (grad) {
                // d/dF of w/(4C^2M^2) ||F F^T - A||^2 = w/(C^2 M^2) (G - A) F
                cv::Mat gf(act.dims, act.size.p, CV_32F);
                cv::Mat gfm = asMatrix(gf);
                cv::gemm(d, asMatrix(act), m_opts.beta * w / (C * C * M * M), cv::noArray(), 0.0, gfm);
                seeds.emplace_back(m_opts.styleLayers[i], gf);
            }
        }
        L.tv = 0;
        if (grad) {
            if (auto st = m_chain.backward(seeds, ReluMode::Grad, *grad); !st) throw CoreError(st.error());
            L.tv = totalVariation(blob, m_opts.tv, grad);
        } else {
            L.tv = totalVariation(blob, 0, nullptr);
        }
        L.total = m_opts.alpha * L.content + m_opts.beta * L.style + m_opts.tv * L.tv;
        L.forwardMs = m_chain.lastForwardMs();
        L.backwardMs = grad ? m_chain.lastBackwardMs() : 0;
        // A loss or gradient that overflowed would turn the image black while reporting success.
        if (!std::isfinite(L.total) || !std::isfinite(L.content) || !std::isfinite(L.style) || !std::isfinite(L.tv))
            return Error{cv::format("the loss is not a finite number at iteration %d (content %g, style %g, tv %g): the weights "
                                    "alpha %g, beta %g, tv %g overflow; use smaller --alpha/--beta/--tv",
                                    m_iteration, L.content, L.style, L.tv, m_opts.alpha, m_opts.beta, m_opts.tv)};
        if (grad && !cv::checkRange(*grad))
            return Error{cv::format("the gradient overflowed at iteration %d (alpha %g, beta %g, tv %g); use smaller --alpha/--beta/--tv",
                                    m_iteration, m_opts.alpha, m_opts.beta, m_opts.tv)};
        return {};
    });
}

Status StyleTransfer::step() {
    if (auto st = lossAndGradient(m_x, m_losses, &m_grad); !st) return st;
    m_losses.iteration = m_iteration;
    return guard([&]() -> Status {
        constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        ++m_iteration;
        const double c1 = 1 - std::pow(b1, m_iteration), c2 = 1 - std::pow(b2, m_iteration);
        const int H = m_x.size[2], W = m_x.size[3];
        const size_t plane = size_t(H) * W;
        float* x = m_x.ptr<float>();
        float* m = m_m.ptr<float>();
        float* v = m_v.ptr<float>();
        const float* g = m_grad.ptr<float>();
        for (int c = 0; c < 3; ++c) {
            const float lo = float(m_lo[c]), hi = float(m_hi[c]);
            for (size_t i = c * plane; i < (c + 1) * plane; ++i) {
                m[i] = float(b1 * m[i] + (1 - b1) * g[i]);
                v[i] = float(b2 * v[i] + (1 - b2) * double(g[i]) * g[i]);
                const double stepSize = m_opts.learningRate * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
                x[i] = std::min(hi, std::max(lo, float(x[i] - stepSize)));
            }
        }
        return {};
    });
}

Status StyleTransfer::evaluate() {
    if (auto st = lossAndGradient(m_x, m_losses, nullptr); !st) return st;
    m_losses.iteration = m_iteration;
    return {};
}

void StyleTransfer::image(cv::Mat& bgr) const {
    const int H = m_x.size[2], W = m_x.size[3];
    std::vector<cv::Mat> planes(3);
    for (int c = 0; c < 3; ++c) {
        const cv::Mat p(H, W, CV_32F, const_cast<float*>(m_x.ptr<float>()) + size_t(c) * H * W);
        const int dst = m_pre.swapRB ? 2 - c : c;
        // pixel = (blob * stddev + mean) / scale
        p.convertTo(planes[size_t(dst)], CV_8U, m_pre.stddev[c] / m_pre.scale, m_pre.mean[c] / m_pre.scale);
    }
    cv::merge(planes, bgr);
}

}  // namespace cnnscope
