// Feature visualisation: Fourier-parametrised image, random transforms, TV prior, Adam ascent on
// one unit's mean activation, its input gradient from the backward engine.
#include "core/unit/featvis.hpp"

#include "core/model/model.hpp"
#include "core/unit/featvis_diversity.hpp"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace cnnscope {

namespace {

// Lucid's colour decorrelation (the square root of ImageNet's colour covariance, by SVD),
// normalised by its largest column norm: rgb_i = sum_j kColour[i][j] * x_j.
constexpr double kColourRaw[3][3] = {{0.26, 0.09, 0.02}, {0.27, 0.00, -0.05}, {0.27, -0.09, 0.03}};

struct Colour {
    double m[3][3];
    Colour() {
        double best = 0;
        for (int j = 0; j < 3; ++j) {
            double n = 0;
            for (int i = 0; i < 3; ++i) n += kColourRaw[i][j] * kColourRaw[i][j];
            best = std::max(best, std::sqrt(n));
        }
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) m[i][j] = kColourRaw[i][j] / best;
    }
};
const Colour kColour;

// numpy's fftfreq: k / n for k < (n + 1) / 2, else (k - n) / n.
double fftfreq(int k, int n) { return (k < (n + 1) / 2 ? k : k - n) / double(n); }

int reflect101(int i, int n) {
    if (n == 1) return 0;
    while (i < 0 || i >= n) {
        if (i < 0) i = -i;
        if (i >= n) i = 2 * (n - 1) - i;
    }
    return i;
}

// Bilinear sampling table of a transform: per output pixel 4 source indices and weights.
struct Sampler {
    std::vector<int> idx;
    std::vector<float> w;
    Sampler() = default;
    Sampler(const FeatvisTransform& t, int W, int H) : idx(size_t(W) * H * 4), w(size_t(W) * H * 4) {
        const double cx = (W - 1) / 2.0, cy = (H - 1) / 2.0;
        const double a = -t.angleDeg * CV_PI / 180.0, ca = std::cos(a), sa = std::sin(a);
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) {
                const double ux = (x - cx) / t.scale, uy = (y - cy) / t.scale;
                const double sx = cx + ca * ux - sa * uy - t.dx, sy = cy + sa * ux + ca * uy - t.dy;
                const double fx = std::floor(sx), fy = std::floor(sy);
                const float ax = float(sx - fx), ay = float(sy - fy);
                const int x0 = int(fx), y0 = int(fy);
                const size_t o = (size_t(y) * W + x) * 4;
                const int xa = reflect101(x0, W), xb = reflect101(x0 + 1, W);
                const int ya = reflect101(y0, H), yb = reflect101(y0 + 1, H);
                idx[o + 0] = ya * W + xa, w[o + 0] = (1 - ax) * (1 - ay);
                idx[o + 1] = ya * W + xb, w[o + 1] = ax * (1 - ay);
                idx[o + 2] = yb * W + xa, w[o + 2] = (1 - ax) * ay;
                idx[o + 3] = yb * W + xb, w[o + 3] = ax * ay;
            }
    }
    void apply(const cv::Mat& src, cv::Mat& dst) const {
        dst.create(src.size(), CV_32F);
        const float* s = src.ptr<float>();
        float* d = dst.ptr<float>();
        for (size_t q = 0; q < src.total(); ++q) {
            const size_t o = q * 4;
            d[q] = w[o] * s[idx[o]] + w[o + 1] * s[idx[o + 1]] + w[o + 2] * s[idx[o + 2]] + w[o + 3] * s[idx[o + 3]];
        }
    }
    // The adjoint: dst += T^T g.
    void scatter(const cv::Mat& g, cv::Mat& dst) const {
        const float* gp = g.ptr<float>();
        float* d = dst.ptr<float>();
        for (size_t q = 0; q < g.total(); ++q) {
            const size_t o = q * 4;
            for (int k = 0; k < 4; ++k) d[idx[o + k]] += w[o + k] * gp[q];
        }
    }
};

// The blob channel b of a view in RGB planes takes RGB plane rgbOf(b).
int rgbOf(int b, bool swapRB) { return swapRB ? b : 2 - b; }

// TV of the [0, 1] image (squared right and down neighbour differences over colours, divided by
// H * W); d(-weight * TV)/d(image) into `grad` (3 planes).
double tvPrior(const std::vector<cv::Mat>& rgb, double weight, std::vector<cv::Mat>& grad) {
    const int H = rgb[0].rows, W = rgb[0].cols;
    const double plane = double(W) * H;
    double tv = 0;
    grad.resize(3);
    for (int i = 0; i < 3; ++i) {
        grad[size_t(i)] = cv::Mat::zeros(H, W, CV_32F);
        const float* q = rgb[size_t(i)].ptr<float>();
        float* g = grad[size_t(i)].ptr<float>();
        auto pair = [&](int a, int b) {
            const double d = double(q[b]) - q[a];
            tv += d * d;
            g[b] -= float(weight * 2 * d / plane);
            g[a] += float(weight * 2 * d / plane);
        };
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) {
                if (x + 1 < W) pair(y * W + x, y * W + x + 1);
                if (y + 1 < H) pair(y * W + x, (y + 1) * W + x);
            }
    }
    return tv / plane;
}

}  // namespace

uint64_t featvisChannelState(uint64_t seed, int channel) {
    uint64_t z = seed + uint64_t(channel) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z ? z : 1;
}

Expected<FeatureVis> FeatureVis::create(Model& model, const std::string& layer, const FeatvisOptions& o) {
    if (o.diversity < 1 || o.diversity > 8) return Error{cv::format("--diversity must be 1..8, got %d", o.diversity)};
    FeatureVis f;
    for (int i = 0; i < o.diversity; ++i) {
        auto chain = BackwardChain::build(model, layer);
        if (!chain) return Error{chain.error()};
        f.m_chains.push_back(std::move(*chain));
    }
    f.m_layer = layer;
    f.m_opts = o;
    f.m_pre = model.preprocessing();
    f.m_pre.size = o.size;
    return guard([&]() -> Expected<FeatureVis> {
        const int W = o.size.width, H = o.size.height;
        const int shape[4] = {1, 3, H, W};
        cv::Mat probe(4, shape, CV_32F, cv::Scalar(0));
        if (auto st = f.m_chains[0].forward(probe); !st) return Error{st.error()};
        const cv::Mat out = f.m_chains[0].output(layer);
        if (out.empty()) return Error{"layer '" + layer + "' has no output of its own (a convolution fused with its ReLU): pick the ReLU after it"};
        if (out.dims != 4) return Error{"layer '" + layer + "' has no (1, C, H, W) output"};
        f.m_channels = out.size[1];
        f.m_scale.create(H, W, CV_32F);
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) {
                const double fr = std::hypot(fftfreq(x, W), fftfreq(y, H));
                f.m_scale.at<float>(y, x) = float(1.0 / std::pow(std::max(fr, 1.0 / std::max(W, H)), o.decay) / 4.0);
            }
        return std::move(f);
    });
}

void FeatureVis::render(const FeatvisParams& p, std::vector<cv::Mat>& rgb) const {
    const int W = m_opts.size.width, H = m_opts.size.height;
    const double norm = 1.0 / std::sqrt(double(W) * H);
    std::vector<cv::Mat> x(3);
    for (int j = 0; j < 3; ++j) {
        cv::Mat z, planes[2], spatial;
        cv::split(p.spectrum[size_t(j)], planes);
        planes[0] = planes[0].mul(m_scale);
        planes[1] = planes[1].mul(m_scale);
        cv::merge(planes, 2, z);
        cv::dft(z, spatial, cv::DFT_INVERSE | cv::DFT_COMPLEX_OUTPUT);
        cv::extractChannel(spatial, x[size_t(j)], 0);
        x[size_t(j)] *= norm;
    }
    rgb.resize(3);
    for (int i = 0; i < 3; ++i) {
        cv::Mat y = x[0] * kColour.m[i][0] + x[1] * kColour.m[i][1] + x[2] * kColour.m[i][2];
        cv::Mat e;
        cv::exp(-y, e);
        rgb[size_t(i)] = 1.0 / (1.0 + e);
    }
}

FeatvisTransform FeatureVis::randomTransform(cv::RNG& rng) const {
    FeatvisTransform t;
    const double jitter = std::max(1.0, std::round(std::min(m_opts.size.width, m_opts.size.height) / 16.0));
    t.dx = rng.uniform(-jitter, jitter);
    t.dy = rng.uniform(-jitter, jitter);
    t.scale = rng.uniform(0.9, 1.1);
    t.angleDeg = rng.uniform(-10.0, 10.0);
    return t;
}

// One image's forward: its [0, 1] RGB planes, the transform's sampler, the blob the chain ran on,
// the layer's output (the chain's memory), the unit's mean activation and the prior.
struct FeatureVis::Pass {
    std::vector<cv::Mat> rgb, prior;  // prior: d(-tv TV)/d(rgb), then the whole gradient
    Sampler sampler;
    cv::Mat blob, out;
    double act = 0, tv = 0;
};

Status FeatureVis::forwardImage(int i, const FeatvisParams& p, const FeatvisTransform& t, Pass& pass) {
    const int W = m_opts.size.width, H = m_opts.size.height;
    const size_t plane = size_t(W) * H;
    if (auto st = guard([&]() -> Status {
            pass.sampler = Sampler(t, W, H);
            render(p, pass.rgb);
            const int shape[4] = {1, 3, H, W};
            pass.blob.create(4, shape, CV_32F);
            for (int b = 0; b < 3; ++b) {
                cv::Mat view, dst(H, W, CV_32F, pass.blob.ptr<float>() + b * plane);
                pass.sampler.apply(pass.rgb[size_t(rgbOf(b, m_pre.swapRB))], view);
                view.convertTo(dst, CV_32F, 255.0 * m_pre.scale / m_pre.stddev[b], -m_pre.mean[b] / m_pre.stddev[b]);
            }
            return {};
        });
        !st)
        return st;
    if (auto st = m_chains[size_t(i)].forward(pass.blob); !st) return st;
    pass.out = m_chains[size_t(i)].output(m_layer);
    return {};
}

Status FeatureVis::backwardImage(int i, Pass& pass, const cv::Mat& seed, ReluMode mode, FeatvisParams& grad) {
    const int W = m_opts.size.width, H = m_opts.size.height;
    const size_t plane = size_t(W) * H;
    cv::Mat gblob;
    if (auto st = m_chains[size_t(i)].backward({{m_layer, seed}}, mode, gblob); !st) return st;
    return guard([&]() -> Status {
        std::vector<cv::Mat>& gp = pass.prior;
        for (int b = 0; b < 3; ++b) {
            const cv::Mat g(H, W, CV_32F, gblob.ptr<float>() + b * plane);
            const cv::Mat gv = g * (255.0 * m_pre.scale / m_pre.stddev[b]);
            pass.sampler.scatter(gv, gp[size_t(rgbOf(b, m_pre.swapRB))]);
        }
        // Through the sigmoid and the colour matrix, then the (adjoint) inverse DFT.
        std::vector<cv::Mat> gy(3);
        for (int c = 0; c < 3; ++c) gy[size_t(c)] = gp[size_t(c)].mul(pass.rgb[size_t(c)].mul(1.0 - pass.rgb[size_t(c)]));
        const double norm = 1.0 / std::sqrt(double(plane));
        grad.spectrum.resize(3);
        for (int j = 0; j < 3; ++j) {
            const cv::Mat gx = gy[0] * kColour.m[0][j] + gy[1] * kColour.m[1][j] + gy[2] * kColour.m[2][j];
            cv::Mat G, planes[2];
            cv::dft(gx, G, cv::DFT_COMPLEX_OUTPUT);
            cv::split(G, planes);
            planes[0] = planes[0].mul(m_scale, norm);
            planes[1] = planes[1].mul(m_scale, norm);
            cv::merge(planes, 2, grad.spectrum[size_t(j)]);
            if (!cv::checkRange(grad.spectrum[size_t(j)])) return Error{"the gradient is not finite"};
        }
        return {};
    });
}

Status FeatureVis::objective(const FeatvisParams& p, int channel, const FeatvisTransform& t, double tvWeight, double& value,
                             FeatvisParams* grad, double* activation) {
    std::vector<FeatvisParams> grads;
    std::vector<double> acts;
    if (auto st = objectiveBatch({p}, channel, {t}, tvWeight, 0.0, value, grad ? &grads : nullptr, &acts); !st) return st;
    if (grad) *grad = std::move(grads[0]);
    if (activation) *activation = acts[0];
    return {};
}

Status FeatureVis::objectiveBatch(const std::vector<FeatvisParams>& p, int channel, const std::vector<FeatvisTransform>& t,
                                  double tvWeight, double diversityWeight, double& value, std::vector<FeatvisParams>* grad,
                                  std::vector<double>* activations, double* similarity) {
    if (channel < 0 || channel >= m_channels)
        return Error{cv::format("channel %d is out of range: %s has %d channels", channel, m_layer.c_str(), m_channels)};
    const size_t K = p.size();
    if (K < 1 || K > m_chains.size() || t.size() != K)
        return Error{cv::format("featvis: %zu images with %zu transforms for a run of %zu", K, t.size(), m_chains.size())};
    std::vector<Pass> passes(K);
    for (size_t i = 0; i < K; ++i)
        if (auto st = forwardImage(int(i), p[i], t[i], passes[i]); !st) return st;
    double sum = 0, D = 0;
    std::vector<cv::Mat> outs, dD;
    if (auto st = guard([&]() -> Status {
            for (Pass& q : passes) {
                const int Ho = q.out.size[2], Wo = q.out.size[3];
                q.act = cv::mean(cv::Mat(Ho, Wo, CV_32F, const_cast<float*>(q.out.ptr<float>()) + size_t(channel) * Ho * Wo))[0];
                q.tv = tvPrior(q.rgb, tvWeight / double(K), q.prior);
                sum += q.act - tvWeight * q.tv;
                outs.push_back(q.out);
            }
            return K > 1 ? gramCosineSum(outs, D, grad ? &dD : nullptr) : Status{};
        });
        !st)
        return st;
    value = (sum - diversityWeight * D) / double(K);
    if (activations) {
        activations->clear();
        for (const Pass& q : passes) activations->push_back(q.act);
    }
    if (similarity) *similarity = K > 1 ? D / double(K * (K - 1)) : 0.0;
    if (!std::isfinite(value)) return Error{cv::format("the objective is not a finite number (activation %g, tv %g)", passes[0].act, passes[0].tv)};
    if (!grad) return {};
    grad->assign(K, FeatvisParams{});
    for (size_t i = 0; i < K; ++i) {
        Pass& q = passes[i];
        const int Ho = q.out.size[2], Wo = q.out.size[3];
        cv::Mat seed(q.out.dims, q.out.size.p, CV_32F, cv::Scalar(0));
        cv::Mat(Ho, Wo, CV_32F, seed.ptr<float>() + size_t(channel) * Ho * Wo).setTo(1.0 / (double(Ho) * Wo * double(K)));
        // A unit silent everywhere (post-ReLU zero) has no gradient: then the step follows the
        // deconv rule (ReLUs passed as if open, Zeiler & Fergus) from the unit alone until it wakes up.
        const ReluMode mode = q.act > 0 ? ReluMode::Grad : ReluMode::Deconv;
        if (q.act > 0 && K > 1) seed -= dD[i] * (diversityWeight / double(K));
        if (auto st = backwardImage(int(i), q, seed, mode, (*grad)[i]); !st) return st;
    }
    return {};
}

Status FeatureVis::start(int channel) {
    if (channel < 0 || channel >= m_channels)
        return Error{cv::format("channel %d is out of range: %s has %d channels", channel, m_layer.c_str(), m_channels)};
    m_channel = channel;
    m_iteration = 0;
    m_rng = cv::RNG(featvisChannelState(m_opts.seed, channel));
    const int W = m_opts.size.width, H = m_opts.size.height;
    const size_t K = m_chains.size();
    m_params.assign(K, FeatvisParams{});
    m_m.assign(K, FeatvisParams{});
    m_v.assign(K, FeatvisParams{});
    m_lastActivations.assign(K, 0.0);
    for (size_t k = 0; k < K; ++k)
        for (int j = 0; j < 3; ++j) {
            cv::Mat s(H, W, CV_32FC2);
            float* d = s.ptr<float>();
            for (size_t i = 0; i < s.total() * 2; ++i) d[i] = float(m_rng.gaussian(0.01));
            m_params[k].spectrum.push_back(s);
            m_m[k].spectrum.push_back(cv::Mat::zeros(H, W, CV_32FC2));
            m_v[k].spectrum.push_back(cv::Mat::zeros(H, W, CV_32FC2));
        }
    return {};
}

Status FeatureVis::step() {
    if (m_channel < 0) return Error{"featvis: start() a channel first"};
    std::vector<FeatvisTransform> t;
    for (size_t k = 0; k < m_chains.size(); ++k) t.push_back(m_opts.transforms ? randomTransform(m_rng) : FeatvisTransform{});
    if (auto st = objectiveBatch(m_params, m_channel, t, m_opts.tv, m_opts.diversityWeight, m_lastObjective, &m_grad,
                                 &m_lastActivations);
        !st)
        return st;
    ++m_iteration;
    for (size_t k = 0; k < m_chains.size(); ++k) adam(int(k));
    return {};
}

void FeatureVis::adam(int k) {
    constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double c1 = 1 - std::pow(b1, m_iteration), c2 = 1 - std::pow(b2, m_iteration);
    for (int j = 0; j < 3; ++j) {
        float* x = m_params[size_t(k)].spectrum[size_t(j)].ptr<float>();
        float* m = m_m[size_t(k)].spectrum[size_t(j)].ptr<float>();
        float* v = m_v[size_t(k)].spectrum[size_t(j)].ptr<float>();
        const float* g = m_grad[size_t(k)].spectrum[size_t(j)].ptr<float>();
        const size_t n = m_params[size_t(k)].spectrum[size_t(j)].total() * 2;
        for (size_t i = 0; i < n; ++i) {
            m[i] = float(b1 * m[i] + (1 - b1) * g[i]);
            v[i] = float(b2 * v[i] + (1 - b2) * double(g[i]) * g[i]);
            x[i] = float(x[i] + m_opts.learningRate * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));  // ascent
        }
    }
}

void FeatureVis::image(cv::Mat& bgr, int i) const {
    std::vector<cv::Mat> rgb;
    render(m_params[size_t(i)], rgb);
    std::vector<cv::Mat> planes(3);
    for (int c = 0; c < 3; ++c) rgb[size_t(2 - c)].convertTo(planes[size_t(c)], CV_8U, 255.0);
    cv::merge(planes, bgr);
}

namespace {

// The preprocessed blob of an 8-bit image.
Status blobOf(const cv::Mat& bgr, const Preprocess& pre, cv::Mat& blob) {
    return guard([&]() -> Status {
        PreprocessBuffers buffers;
        blob = preprocess(bgr, pre, buffers).clone();
        return {};
    });
}

}  // namespace

Status FeatureVis::meanActivations(const cv::Mat& bgr, std::vector<double>& means) {
    cv::Mat blob;
    if (auto st = blobOf(bgr, m_pre, blob); !st) return st;
    if (auto st = m_chains[0].forward(blob); !st) return st;
    return guard([&]() -> Status {
        const cv::Mat out = m_chains[0].output(m_layer);
        const int C = out.size[1];
        const size_t plane = size_t(out.size[2]) * out.size[3];
        means.assign(size_t(C), 0.0);
        for (int c = 0; c < C; ++c) {
            const float* p = out.ptr<float>() + size_t(c) * plane;
            double s = 0;
            for (size_t i = 0; i < plane; ++i) s += p[i];
            means[size_t(c)] = s / double(plane);
        }
        return {};
    });
}

Status FeatureVis::gramSimilarity(const std::vector<cv::Mat>& bgr, double& similarity) {
    if (bgr.size() < 2 || bgr.size() > m_chains.size()) return Error{"featvis: the Gram similarity needs 2..K images"};
    std::vector<cv::Mat> blobs(bgr.size()), outs;
    for (size_t i = 0; i < bgr.size(); ++i) {
        if (auto st = blobOf(bgr[i], m_pre, blobs[i]); !st) return st;
        if (auto st = m_chains[i].forward(blobs[i]); !st) return st;
        outs.push_back(m_chains[i].output(m_layer));
    }
    double D = 0;
    if (auto st = gramCosineSum(outs, D); !st) return st;
    similarity = D / double(bgr.size() * (bgr.size() - 1));
    return {};
}

}  // namespace cnnscope
