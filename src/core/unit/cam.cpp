// Class activation maps: Grad-CAM, Grad-CAM++, LayerCAM, EigenCAM.
#include "core/unit/cam.hpp"

#include "core/model/model.hpp"
#include "core/render/colormap.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace cnnscope {

std::string lastConvLayer(const Model& model) {
    const auto& rows = model.layers();
    for (size_t i = rows.size(); i-- > 0;) {
        if (!rows[i].spatial() || rows[i].type.find("Conv") == std::string::npos) continue;
        if (i + 1 < rows.size() && rows[i + 1].type == "ReLU" && rows[i + 1].spatial()) return rows[i + 1].name;
        return rows[i].name;
    }
    return {};
}

std::string fusedConvReluOutput(const Model& model, const std::string& layer) {
    const auto& rows = model.layers();
    for (size_t i = 0; i + 1 < rows.size(); ++i)
        if (rows[i].name == layer && rows[i].type == "Convolution" && rows[i + 1].type == "ReLU") return rows[i + 1].name;
    return {};
}

bool camLayerUsable(const Model& model, const std::string& layer) {
    const LayerInfo* info = model.find(layer);
    return info && info->spatial() && info->name != "input" && fusedConvReluOutput(model, info->name).empty();
}

cv::Mat camBlend(const cv::Mat& frame, const cv::Mat& map, Range* range) {
    cv::Mat up, heat, blend;
    cv::resize(map, up, frame.size(), 0, 0, cv::INTER_LINEAR);
    double lo = 0, hi = 0;
    cv::minMaxLoc(map, &lo, &hi);
    colorize(up, Range{float(lo), float(hi > lo ? hi : lo + 1)}, 1.f, Colormap::Hot, heat);
    cv::addWeighted(frame, 0.5, heat, 0.5, 0, blend);
    if (range) *range = Range{float(lo), float(hi)};
    return blend;
}

Expected<CamMethod> parseCamMethod(const std::string& name) {
    if (name == "gradcam") return CamMethod::GradCam;
    if (name == "gradcam++") return CamMethod::GradCamPlusPlus;
    if (name == "layercam") return CamMethod::LayerCam;
    if (name == "eigencam") return CamMethod::EigenCam;
    if (name == "scorecam") return CamMethod::ScoreCam;
    if (name == "occlusion") return CamMethod::Occlusion;
    return Error{"unknown method '" + name + "'; use " + std::string(camMethodNames())};
}

const char* camMethodName(CamMethod m) {
    switch (m) {
        case CamMethod::GradCam: return "gradcam";
        case CamMethod::GradCamPlusPlus: return "gradcam++";
        case CamMethod::LayerCam: return "layercam";
        case CamMethod::EigenCam: return "eigencam";
        case CamMethod::ScoreCam: return "scorecam";
        case CamMethod::Occlusion: return "occlusion";
    }
    return "?";
}

const char* camMethodNames() { return "gradcam, gradcam++, layercam, eigencam, scorecam or occlusion"; }

bool camIsForwardsOnly(CamMethod m) { return m == CamMethod::ScoreCam || m == CamMethod::Occlusion; }

bool camNeedsGradient(CamMethod m) { return m != CamMethod::EigenCam && !camIsForwardsOnly(m); }

Status camMap(CamMethod method, const cv::Mat& A, const cv::Mat& G, cv::Mat& map) {
    if (camIsForwardsOnly(method)) return Error{std::string(camMethodName(method)) + " is made from forwards (cam_forwards.hpp)"};
    if (A.dims != 4 || A.size[0] != 1 || A.type() != CV_32F) return Error{"class maps need a (1, C, H, W) float32 map"};
    const int C = A.size[1], H = A.size[2], W = A.size[3];
    const size_t P = size_t(H) * W;
    if (camNeedsGradient(method) && (G.dims != 4 || !std::equal(A.size.p, A.size.p + 4, G.size.p) || G.type() != CV_32F))
        return Error{"the gradient does not have the layer's shape"};
    const float* a = A.ptr<float>();
    const float* g = camNeedsGradient(method) ? G.ptr<float>() : nullptr;
    std::vector<double> acc(P, 0.0);
    if (method == CamMethod::EigenCam) {
        // X (P, C) centred over positions; v = first eigenvector of X^T X (C, C).
        cv::Mat X(int(P), C, CV_64F);
        for (int c = 0; c < C; ++c) {
            double mean = 0;
            for (size_t p = 0; p < P; ++p) mean += a[size_t(c) * P + p];
            mean /= double(P);
            for (size_t p = 0; p < P; ++p) X.at<double>(int(p), c) = a[size_t(c) * P + p] - mean;
        }
        cv::Mat w, u, vt;
        cv::SVD::compute(X, w, u, vt, cv::SVD::MODIFY_A);
        cv::Mat v = vt.row(0).clone();
        if (cv::sum(v)[0] < 0) v = -v;
        cv::Mat xc(int(P), C, CV_64F);
        for (int c = 0; c < C; ++c) {
            double mean = 0;
            for (size_t p = 0; p < P; ++p) mean += a[size_t(c) * P + p];
            mean /= double(P);
            for (size_t p = 0; p < P; ++p) xc.at<double>(int(p), c) = a[size_t(c) * P + p] - mean;
        }
        cv::Mat proj = xc * v.t();  // (P, 1)
        for (size_t p = 0; p < P; ++p) acc[p] = proj.at<double>(int(p), 0);
    } else {
        for (int c = 0; c < C; ++c) {
            const float* ac = a + size_t(c) * P;
            const float* gc = g + size_t(c) * P;
            if (method == CamMethod::LayerCam) {
                for (size_t p = 0; p < P; ++p) acc[p] += double(std::max(gc[p], 0.f)) * ac[p];
                continue;
            }
            double weight = 0;
            if (method == CamMethod::GradCam) {
                for (size_t p = 0; p < P; ++p) weight += gc[p];
                weight /= double(P);
            } else {  // gradcam++
                double sumA = 0;
                for (size_t p = 0; p < P; ++p) sumA += ac[p];
                for (size_t p = 0; p < P; ++p) {
                    const double gv = gc[p];
                    if (gv == 0) continue;
                    const double g2 = gv * gv, g3 = g2 * gv;
                    const double alpha = g2 / (2 * g2 + sumA * g3 + 1e-6);
                    weight += std::max(gv, 0.0) * alpha;
                }
            }
            for (size_t p = 0; p < P; ++p) acc[p] += weight * ac[p];
        }
    }
    map.create(H, W, CV_32F);
    for (size_t p = 0; p < P; ++p) map.ptr<float>()[p] = float(std::max(acc[p], 0.0));
    return {};
}

Status camForward(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, int classIndex, CamResult& out, cv::Mat& A) {
    if (auto st = chain.forward(blob); !st) return st;
    out.forwardMs = chain.lastForwardMs();
    out.backwardMs = 0;
    const cv::Mat logits = chain.output(chain.topLayer());
    const cv::Mat act = chain.output(layer);
    if (logits.empty()) return Error{"the chain has no logits"};
    if (act.empty() || act.dims != 4) return Error{"layer '" + layer + "' has no (C, H, W) output in the chain to the logits"};
    logits.reshape(1, 1).copyTo(out.logits);
    if (auto st = pickClass(classIndex, out); !st) return st;
    A = act.clone();  // the chain's memory is reused by the backward's deconvolutions
    return {};
}

Status pickClass(int classIndex, CamResult& out) {
    const int n = int(out.logits.total());
    const float* z = out.logits.ptr<float>();
    if (classIndex < 0) classIndex = int(std::max_element(z, z + n) - z);
    if (classIndex >= n)
        return Error{"class " + std::to_string(classIndex) + " is out of range: the model has " + std::to_string(n) + " classes (0.." +
                     std::to_string(n - 1) + ")"};
    out.classIndex = classIndex;
    out.logit = z[classIndex];
    out.probability = softmaxAt(out.logits, classIndex);
    return {};
}

double softmaxAt(const cv::Mat& logits, int index) {
    const float* z = logits.ptr<float>();
    const int n = int(logits.total());
    const double top = *std::max_element(z, z + n);
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += std::exp(double(z[i]) - top);
    return std::exp(double(z[index]) - top) / sum;
}

Status computeCam(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, CamMethod method, int classIndex,
                  CamResult& out) {
    if (camIsForwardsOnly(method)) return Error{std::string(camMethodName(method)) + " needs the model's forwards (computeForwardsCam)"};
    cv::Mat A, G;
    if (auto st = camForward(chain, blob, layer, classIndex, out, A); !st) return st;
    if (camNeedsGradient(method)) {
        const cv::Mat logits = chain.output(chain.topLayer());
        cv::Mat seed = cv::Mat::zeros(logits.dims, logits.size.p, CV_32F);
        seed.ptr<float>()[out.classIndex] = 1.f;
        if (auto st = chain.backwardTo({{chain.topLayer(), seed}}, ReluMode::Grad, layer, G); !st) return st;
        out.backwardMs = chain.lastBackwardMs();
    }
    return camMap(method, A, G, out.map);
}

}  // namespace cnnscope
