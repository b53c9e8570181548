// Score-CAM and occlusion: masked or occluded copies of the input, run in batches through the
// model's net and head, their class logits turned into a map.
#include "core/unit/cam_forwards.hpp"

#include "core/base/interrupt.hpp"
#include "core/model/model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace cnnscope {

namespace {

// Runs `count` inputs made by `fill(i, dst)` (dst: one (3, H, W) slot of a batch) in batches and
// gives each one's class logit.
Status runBatches(Model& model, const cv::Mat& blob, int count, int classIndex, const ForwardsOptions& o,
                  const std::function<void(int, float*)>& fill, std::vector<double>& scores) {
    const int H = blob.size[2], W = blob.size[3];
    const size_t one = size_t(3) * H * W;
    const int batch = std::max(1, o.batch);
    scores.assign(size_t(count), 0.0);
    cv::Mat logits;
    for (int first = 0; first < count; first += batch) {
        if (interrupted()) return Error{"stopped by a signal after " + std::to_string(first) + " of " + std::to_string(count) + " forwards"};
        if (o.cancelled && o.cancelled()) return Error{"cancelled after " + std::to_string(first) + " of " + std::to_string(count) + " forwards"};
        const int n = std::min(batch, count - first);
        const int shape[] = {n, 3, H, W};
        cv::Mat inputs(4, shape, CV_32F);
        for (int i = 0; i < n; ++i) fill(first + i, inputs.ptr<float>() + one * size_t(i));
        if (auto st = batchLogits(model, inputs, logits); !st) return st;
        for (int i = 0; i < n; ++i) scores[size_t(first + i)] = logits.at<float>(i, classIndex);
        if (o.progress) o.progress(first + n, count);
        if (o.partial) o.partial(first + n, count, scores);
    }
    return {};
}

}  // namespace

Status batchLogits(Model& model, const cv::Mat& blobs, cv::Mat& logits) {
    if (!model.hasHead()) return Error{model.headProblem()};
    if (blobs.dims != 4 || blobs.size[1] != 3 || blobs.type() != CV_32F) return Error{"a batch of (N, 3, H, W) float32 inputs is needed"};
    const int n = blobs.size[0];
    const SeqHead& head = model.kerasHead();
    const LayerInfo* top = model.find(head.dense.empty() ? model.logitsLayer() : head.input);
    if (!top) return Error{"the head's input layer is not in the model"};
    return guard([&]() -> Status {
        cv::dnn::Net& net = model.net();
        net.setInput(blobs);
        cv::Mat x = net.forward(top->netName).reshape(1, n).clone();
        for (const SeqLayer& d : head.dense) {  // a with-top Keras file's head: x W^T + b, ReLU but on the last
            cv::Mat y;
            cv::gemm(x, d.weights, 1.0, cv::noArray(), 0.0, y, cv::GEMM_2_T);
            for (int r = 0; r < n; ++r) y.row(r) += d.bias.reshape(1, 1);
            if (d.relu) y = cv::max(y, 0.0);
            x = y;
        }
        if (x.cols != model.classCount())
            return Error{"the logits layer '" + model.logitsLayer() + "' gave " + std::to_string(x.cols) + " values per input, not " +
                         std::to_string(model.classCount())};
        logits = x;
        return {};
    });
}

void upsampleAlignCorners(const cv::Mat& src, cv::Size size, cv::Mat& dst) {
    const int h = src.rows, w = src.cols;
    dst.create(size, CV_32F);
    auto coord = [](int i, int out, int in, int& i0, int& i1, float& t) {
        const double s = out > 1 ? double(i) * (in - 1) / (out - 1) : 0.0;
        i0 = std::min(int(std::floor(s)), in - 1);
        i1 = std::min(i0 + 1, in - 1);
        t = float(s - i0);
    };
    for (int y = 0; y < size.height; ++y) {
        int y0, y1;
        float ty;
        coord(y, size.height, h, y0, y1, ty);
        for (int x = 0; x < size.width; ++x) {
            int x0, x1;
            float tx;
            coord(x, size.width, w, x0, x1, tx);
            const float top = src.at<float>(y0, x0) * (1 - tx) + src.at<float>(y0, x1) * tx;
            const float bottom = src.at<float>(y1, x0) * (1 - tx) + src.at<float>(y1, x1) * tx;
            dst.at<float>(y, x) = top * (1 - ty) + bottom * ty;
        }
    }
}

Status scoreCamMap(Model& model, const cv::Mat& blob, const cv::Mat& A, int classIndex, const ForwardsOptions& o, cv::Mat& map) {
    if (A.dims != 4 || A.size[0] != 1 || A.type() != CV_32F) return Error{"Score-CAM needs a (1, C, H, W) float32 map"};
    const int C = A.size[1], h = A.size[2], w = A.size[3], H = blob.size[2], W = blob.size[3];
    const size_t plane = size_t(H) * W;
    std::vector<double> scores;
    cv::Mat up;
    auto fill = [&](int c, float* dst) {
        const cv::Mat a(h, w, CV_32F, const_cast<float*>(A.ptr<float>()) + size_t(c) * h * w);
        upsampleAlignCorners(a, cv::Size(W, H), up);
        double lo = 0, hi = 0;
        cv::minMaxLoc(up, &lo, &hi);
        const float* u = up.ptr<float>();
        const float scale = float(1.0 / (hi - lo + 1e-8));
        for (int k = 0; k < 3; ++k) {
            const float* b = blob.ptr<float>() + size_t(k) * plane;
            for (size_t p = 0; p < plane; ++p) dst[size_t(k) * plane + p] = b[p] * ((u[p] - float(lo)) * scale);
        }
    };
    if (auto st = runBatches(model, blob, C, classIndex, o, fill, scores); !st) return st;
    map = scoreCamFromScores(A, scores, C);
    return {};
}

cv::Mat scoreCamFromScores(const cv::Mat& A, const std::vector<double>& scores, int done) {
    const int C = A.size[1], h = A.size[2], w = A.size[3];
    done = std::clamp(done, 0, std::min(C, int(scores.size())));
    cv::Mat map(h, w, CV_32F, cv::Scalar(0));
    if (done == 0) return map;
    const double top = *std::max_element(scores.begin(), scores.begin() + done);
    double sum = 0;
    for (int c = 0; c < done; ++c) sum += std::exp(scores[size_t(c)] - top);
    std::vector<double> acc(size_t(h) * w, 0.0);
    for (int c = 0; c < done; ++c) {
        const double weight = std::exp(scores[size_t(c)] - top) / sum;
        const float* a = A.ptr<float>() + size_t(c) * h * w;
        for (size_t p = 0; p < acc.size(); ++p) acc[p] += weight * a[p];
    }
    for (size_t p = 0; p < acc.size(); ++p) map.ptr<float>()[p] = float(std::max(acc[p], 0.0));
    return map;
}

cv::Size occlusionGrid(cv::Size input, int patch, int stride) {
    return {(input.width - patch) / stride + 1, (input.height - patch) / stride + 1};
}

void occlusionDefaults(cv::Size input, int& patch, int& stride) {
    const int side = std::min(input.width, input.height);
    patch = std::clamp(int(std::lround(side * 32.0 / 224.0)), std::min(2, side), std::max(1, side));
    stride = std::max(1, patch / 2);
}

std::string occlusionProblem(cv::Size input, int patch, int stride) {
    const int side = std::min(input.width, input.height);
    if (patch < 1 || patch > side)
        return "--patch " + std::to_string(patch) + " does not fit the " + std::to_string(input.width) + "x" + std::to_string(input.height) +
               " input; choose 1.." + std::to_string(side) + " (or a larger --input-size)";
    if (stride < 1) return "--stride " + std::to_string(stride) + " must be at least 1";
    return {};
}

Status occlusionMap(Model& model, const cv::Mat& blob, int classIndex, const ForwardsOptions& o, cv::Mat& map) {
    const int H = blob.size[2], W = blob.size[3];
    if (auto p = occlusionProblem(cv::Size(W, H), o.patch, o.stride); !p.empty()) return Error{p};
    const cv::Size grid = occlusionGrid(cv::Size(W, H), o.patch, o.stride);
    const int rows = grid.height, cols = grid.width;
    const size_t plane = size_t(H) * W;
    // Input 0 is the frame itself: the base logit comes from the same net as the occluded ones.
    auto fill = [&](int i, float* dst) {
        std::copy_n(blob.ptr<float>(), 3 * plane, dst);
        if (i == 0) return;
        const int y0 = (i - 1) / cols * o.stride, x0 = (i - 1) % cols * o.stride;
        for (int k = 0; k < 3; ++k)
            for (int y = y0; y < y0 + o.patch; ++y) std::fill_n(dst + size_t(k) * plane + size_t(y) * W + x0, o.patch, 0.f);
    };
    std::vector<double> scores;
    if (auto st = runBatches(model, blob, rows * cols + 1, classIndex, o, fill, scores); !st) return st;
    map = occlusionFromScores(scores, rows * cols + 1, rows, cols);
    return {};
}

cv::Mat occlusionFromScores(const std::vector<double>& scores, int done, int rows, int cols) {
    cv::Mat map(rows, cols, CV_32F, cv::Scalar(0));
    done = std::min(done, int(scores.size()));
    for (int i = 0; i + 1 < done && i < rows * cols; ++i) map.ptr<float>()[i] = float(scores[0] - scores[size_t(i) + 1]);
    return map;
}

Status computeForwardsCam(Model& model, const cv::Mat& frame, const cv::Mat& blob, const std::string& layer, CamMethod method,
                          int classIndex, const ForwardsOptions& o, CamResult& out) {
    const auto t0 = std::chrono::steady_clock::now();
    cv::Mat A;
    if (auto st = model.logits(frame, out.logits); !st) return st;
    if (method == CamMethod::ScoreCam)
        if (auto st = model.forward(frame, layer, A); !st) return st;
    out.forwardMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    out.backwardMs = 0;
    if (auto st = pickClass(classIndex, out); !st) return st;
    if (method == CamMethod::ScoreCam) return scoreCamMap(model, blob, A, out.classIndex, o, out.map);
    if (method == CamMethod::Occlusion) return occlusionMap(model, blob, out.classIndex, o, out.map);
    return Error{std::string(camMethodName(method)) + " is not a forwards-only method"};
}

}  // namespace cnnscope
