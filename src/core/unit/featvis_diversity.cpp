// Lucid's diversity term: the Gram cosine similarities of K activations and their gradients.
#include "core/unit/featvis_diversity.hpp"

#include <cmath>

namespace cnnscope {

namespace {

// F as C x (H W) CV_64F, its Gram matrix F F^T / (H W) and that matrix's Frobenius norm.
struct Gram {
    cv::Mat f, g;
    double norm = 0;
};

Gram gramOf(const cv::Mat& act) {
    const int C = act.size[1], HW = act.size[2] * act.size[3];
    Gram r;
    cv::Mat(C, HW, CV_32F, const_cast<float*>(act.ptr<float>())).convertTo(r.f, CV_64F);
    cv::mulTransposed(r.f, r.g, false, cv::noArray(), 1.0 / HW, CV_64F);
    r.norm = cv::norm(r.g, cv::NORM_L2);
    return r;
}

}  // namespace

Status gramCosineSum(const std::vector<cv::Mat>& acts, double& value, std::vector<cv::Mat>* grads) {
    for (const cv::Mat& a : acts)
        if (a.dims != 4 || a.size[0] != 1 || a.type() != CV_32F || !a.isContinuous() || a.size != acts[0].size)
            return Error{"the diversity term needs activations of one (1, C, H, W) float32 shape"};
    return guard([&]() -> Status {
        const size_t K = acts.size();
        std::vector<Gram> g;
        for (const cv::Mat& a : acts) g.push_back(gramOf(a));
        // cos[i][j] of the normalised Gram matrices (zero where a Gram matrix is zero).
        std::vector<cv::Mat> unit(K);
        for (size_t k = 0; k < K; ++k) unit[k] = g[k].norm > 0 ? g[k].g / g[k].norm : cv::Mat::zeros(g[k].g.size(), CV_64F);
        std::vector<std::vector<double>> cosine(K, std::vector<double>(K, 0.0));
        value = 0;
        for (size_t i = 0; i < K; ++i)
            for (size_t j = 0; j < K; ++j)
                if (i != j) value += cosine[i][j] = unit[i].dot(unit[j]);
        if (!grads) return {};
        grads->assign(K, cv::Mat());
        for (size_t k = 0; k < K; ++k) {
            const cv::Mat& a = acts[k];
            (*grads)[k].create(a.dims, a.size.p, CV_32F);
            cv::Mat out(g[k].f.rows, g[k].f.cols, CV_32F, (*grads)[k].ptr<float>());
            if (g[k].norm <= 0) {
                out.setTo(0);
                continue;
            }
            // dD/dG_k = 2 sum_{j != k} (unit_j - cos_kj unit_k) / |G_k| (both orders of each pair),
            // symmetric, and G_k = F F^T / HW gives dD/dF = 2 S F / HW.
            cv::Mat s = cv::Mat::zeros(g[k].g.size(), CV_64F);
            for (size_t j = 0; j < K; ++j)
                if (j != k) s += unit[j] - cosine[k][j] * unit[k];
            s *= 2.0 / g[k].norm;
            cv::Mat df = s * g[k].f * (2.0 / g[k].f.cols);
            df.convertTo(out, CV_32F);
        }
        return {};
    });
}

}  // namespace cnnscope
