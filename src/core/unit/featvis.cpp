// Feature visualisation: Fourier-parametrised image, random transforms, TV prior, Adam ascent on
// one unit's mean activation, its input gradient from the backward engine.
#include "core/unit/featvis.hpp"

#include "core/model/model.hpp"

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

}  // namespace

uint64_t featvisChannelState(uint64_t seed, int channel) {
    uint64_t z = seed + uint64_t(channel) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z ? z : 1;
}

Expected<FeatureVis> FeatureVis::create(Model& model, const std::string& layer, const FeatvisOptions& o) {
    auto chain = BackwardChain::build(model, layer);
    if (!chain) return Error{chain.error()};
    FeatureVis f;
    f.m_chain = std::move(*chain);
    f.m_layer = layer;
    f.m_opts = o;
    f.m_pre = model.preprocessing();
    f.m_pre.size = o.size;
    return guard([&]() -> Expected<FeatureVis> {
        const int W = o.size.width, H = o.size.height;
        const int shape[4] = {1, 3, H, W};
        cv::Mat probe(4, shape, CV_32F, cv::Scalar(0));
        if (auto st = f.m_chain.forward(probe); !st) return Error{st.error()};
        const cv::Mat out = f.m_chain.output(layer);
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

Status FeatureVis::objective(const FeatvisParams& p, int channel, const FeatvisTransform& t, double tvWeight, double& value,
                             FeatvisParams* grad, double* activation) {
    if (channel < 0 || channel >= m_channels)
        return Error{cv::format("channel %d is out of range: %s has %d channels", channel, m_layer.c_str(), m_channels)};
    const int W = m_opts.size.width, H = m_opts.size.height;
    const size_t plane = size_t(W) * H;
    std::vector<cv::Mat> rgb;
    const Sampler sampler(t, W, H);
    cv::Mat blob;
    if (auto st = guard([&]() -> Status {
            render(p, rgb);
            const int shape[4] = {1, 3, H, W};
            blob.create(4, shape, CV_32F);
            for (int b = 0; b < 3; ++b) {
                cv::Mat view, dst(H, W, CV_32F, blob.ptr<float>() + b * plane);
                sampler.apply(rgb[size_t(rgbOf(b, m_pre.swapRB))], view);
                view.convertTo(dst, CV_32F, 255.0 * m_pre.scale / m_pre.stddev[b], -m_pre.mean[b] / m_pre.stddev[b]);
            }
            return {};
        });
        !st)
        return st;
    if (auto st = m_chain.forward(blob); !st) return st;
    return guard([&]() -> Status {
        const cv::Mat out = m_chain.output(m_layer);
        const int Ho = out.size[2], Wo = out.size[3];
        const cv::Mat unit(Ho, Wo, CV_32F, const_cast<float*>(out.ptr<float>()) + size_t(channel) * Ho * Wo);
        const double act = cv::mean(unit)[0];
        // TV of the [0, 1] image and its gradient.
        double tv = 0;
        std::vector<cv::Mat> gp(3);
        for (int i = 0; i < 3; ++i) {
            gp[size_t(i)] = cv::Mat::zeros(H, W, CV_32F);
            const float* q = rgb[size_t(i)].ptr<float>();
            float* g = gp[size_t(i)].ptr<float>();
            for (int y = 0; y < H; ++y)
                for (int x = 0; x < W; ++x) {
                    const int k = y * W + x;
                    if (x + 1 < W) {
                        const double d = double(q[k + 1]) - q[k];
                        tv += d * d;
                        g[k + 1] -= float(tvWeight * 2 * d / double(plane));
                        g[k] += float(tvWeight * 2 * d / double(plane));
                    }
                    if (y + 1 < H) {
                        const double d = double(q[k + W]) - q[k];
                        tv += d * d;
                        g[k + W] -= float(tvWeight * 2 * d / double(plane));
                        g[k] += float(tvWeight * 2 * d / double(plane));
                    }
                }
        }
        tv /= double(plane);
        value = act - tvWeight * tv;
        if (activation) *activation = act;
        if (!std::isfinite(value)) return Error{cv::format("the objective is not a finite number (activation %g, tv %g)", act, tv)};
        if (!grad) return {};
        cv::Mat seed(out.dims, out.size.p, CV_32F, cv::Scalar(0));
        cv::Mat(Ho, Wo, CV_32F, seed.ptr<float>() + size_t(channel) * Ho * Wo).setTo(1.0 / (double(Ho) * Wo));
        cv::Mat gblob;
        // A unit silent everywhere (post-ReLU zero) has no gradient: then the step follows the
        // deconv rule (ReLUs passed as if open, Zeiler & Fergus) until the unit wakes up.
        const ReluMode mode = act > 0 ? ReluMode::Grad : ReluMode::Deconv;
        if (auto st = m_chain.backward({{m_layer, seed}}, mode, gblob); !st) throw CoreError(st.error());
        for (int b = 0; b < 3; ++b) {
            const cv::Mat g(H, W, CV_32F, gblob.ptr<float>() + b * plane);
            const cv::Mat gv = g * (255.0 * m_pre.scale / m_pre.stddev[b]);
            sampler.scatter(gv, gp[size_t(rgbOf(b, m_pre.swapRB))]);
        }
        // Through the sigmoid and the colour matrix.
        std::vector<cv::Mat> gy(3), gx(3);
        for (int i = 0; i < 3; ++i) gy[size_t(i)] = gp[size_t(i)].mul(rgb[size_t(i)].mul(1.0 - rgb[size_t(i)]));
        const double norm = 1.0 / std::sqrt(double(plane));
        grad->spectrum.resize(3);
        for (int j = 0; j < 3; ++j) {
            gx[size_t(j)] = gy[0] * kColour.m[0][j] + gy[1] * kColour.m[1][j] + gy[2] * kColour.m[2][j];
            cv::Mat G, planes[2];
            cv::dft(gx[size_t(j)], G, cv::DFT_COMPLEX_OUTPUT);
            cv::split(G, planes);
            planes[0] = planes[0].mul(m_scale, norm);
            planes[1] = planes[1].mul(m_scale, norm);
            cv::merge(planes, 2, grad->spectrum[size_t(j)]);
        }
        if (!cv::checkRange(grad->spectrum[0]) || !cv::checkRange(grad->spectrum[1]) || !cv::checkRange(grad->spectrum[2]))
            return Error{"the gradient is not finite"};
        return {};
    });
}

Status FeatureVis::start(int channel) {
    if (channel < 0 || channel >= m_channels)
        return Error{cv::format("channel %d is out of range: %s has %d channels", channel, m_layer.c_str(), m_channels)};
    m_channel = channel;
    m_iteration = 0;
    m_rng = cv::RNG(featvisChannelState(m_opts.seed, channel));
    const int W = m_opts.size.width, H = m_opts.size.height;
    m_params.spectrum.assign(3, cv::Mat());
    m_m.spectrum.assign(3, cv::Mat());
    m_v.spectrum.assign(3, cv::Mat());
    for (int j = 0; j < 3; ++j) {
        cv::Mat& s = m_params.spectrum[size_t(j)];
        s.create(H, W, CV_32FC2);
        float* d = s.ptr<float>();
        for (size_t i = 0; i < s.total() * 2; ++i) d[i] = float(m_rng.gaussian(0.01));
        m_m.spectrum[size_t(j)] = cv::Mat::zeros(H, W, CV_32FC2);
        m_v.spectrum[size_t(j)] = cv::Mat::zeros(H, W, CV_32FC2);
    }
    return {};
}

Status FeatureVis::step() {
    if (m_channel < 0) return Error{"featvis: start() a channel first"};
    const FeatvisTransform t = m_opts.transforms ? randomTransform(m_rng) : FeatvisTransform{};
    if (auto st = objective(m_params, m_channel, t, m_opts.tv, m_lastObjective, &m_grad, &m_lastActivation); !st) return st;
    constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    ++m_iteration;
    const double c1 = 1 - std::pow(b1, m_iteration), c2 = 1 - std::pow(b2, m_iteration);
    for (int j = 0; j < 3; ++j) {
        float* x = m_params.spectrum[size_t(j)].ptr<float>();
        float* m = m_m.spectrum[size_t(j)].ptr<float>();
        float* v = m_v.spectrum[size_t(j)].ptr<float>();
        const float* g = m_grad.spectrum[size_t(j)].ptr<float>();
        const size_t n = m_params.spectrum[size_t(j)].total() * 2;
        for (size_t i = 0; i < n; ++i) {
            m[i] = float(b1 * m[i] + (1 - b1) * g[i]);
            v[i] = float(b2 * v[i] + (1 - b2) * double(g[i]) * g[i]);
            x[i] = float(x[i] + m_opts.learningRate * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));  // ascent
        }
    }
    return {};
}

void FeatureVis::image(cv::Mat& bgr) const {
    std::vector<cv::Mat> rgb;
    render(m_params, rgb);
    std::vector<cv::Mat> planes(3);
    for (int c = 0; c < 3; ++c) rgb[size_t(2 - c)].convertTo(planes[size_t(c)], CV_8U, 255.0);
    cv::merge(planes, bgr);
}

Status FeatureVis::meanActivations(const cv::Mat& bgr, std::vector<double>& means) {
    cv::Mat blob;
    if (auto st = guard([&]() -> Status {
            PreprocessBuffers buffers;
            blob = preprocess(bgr, m_pre, buffers).clone();
            return {};
        });
        !st)
        return st;
    if (auto st = m_chain.forward(blob); !st) return st;
    return guard([&]() -> Status {
        const cv::Mat out = m_chain.output(m_layer);
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

}  // namespace cnnscope
