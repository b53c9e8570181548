// The faithfulness figure of a class map: blur its top pixels, blur random ones, compare drops.
#include "core/unit/cam_faith.hpp"

#include "core/unit/cam.hpp"
#include "core/unit/cam_forwards.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cnnscope {

uint64_t splitmix64At(uint64_t seed, uint64_t i) {
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::vector<int> topPixels(const cv::Mat& values, int count) {
    std::vector<int> order(values.total());
    std::iota(order.begin(), order.end(), 0);
    const float* v = values.ptr<float>();
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return v[a] > v[b]; });
    order.resize(size_t(std::clamp(count, 0, int(order.size()))));
    return order;
}

std::vector<int> randomPixels(int pixels, int count, uint64_t seed) {
    std::vector<uint64_t> keys(static_cast<size_t>(pixels));
    for (int i = 0; i < pixels; ++i) keys[size_t(i)] = splitmix64At(seed, uint64_t(i));
    std::vector<int> order(static_cast<size_t>(pixels));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return keys[size_t(a)] < keys[size_t(b)]; });
    order.resize(size_t(std::clamp(count, 0, pixels)));
    return order;
}

cv::Mat blurPixels(const cv::Mat& blob, const std::vector<int>& pixels, double sigma) {
    const int H = blob.size[2], W = blob.size[3];
    const int ksize = 2 * int(std::ceil(3 * sigma)) + 1;
    const cv::Mat k = cv::getGaussianKernel(ksize, sigma, CV_64F);
    cv::Mat out = blob.clone();
    for (int c = 0; c < 3; ++c) {
        const cv::Mat src(H, W, CV_32F, const_cast<float*>(blob.ptr<float>()) + size_t(c) * H * W);
        cv::Mat blurred;
        cv::sepFilter2D(src, blurred, CV_32F, k, k, cv::Point(-1, -1), 0, cv::BORDER_REFLECT_101);
        float* o = out.ptr<float>() + size_t(c) * H * W;
        for (int p : pixels) o[p] = blurred.ptr<float>()[p];
    }
    return out;
}

Status faithfulness(const LogitsOf& logitsOf, const cv::Mat& blob, const cv::Mat& map, int classIndex, double probability, double fraction, uint64_t seed,
                    Faithfulness& out) {
    const int H = blob.size[2], W = blob.size[3];
    out.fraction = fraction;
    out.seed = seed;
    out.sigma = std::min(H, W) / 16.0;
    cv::Mat up;
    upsampleAlignCorners(map, cv::Size(W, H), up);
    const int count = int(std::lround(fraction * H * W));
    out.probability = probability;
    const int shape[] = {2, 3, H, W};
    cv::Mat inputs(4, shape, CV_32F), logits;
    const size_t one = size_t(3) * H * W;
    blurPixels(blob, topPixels(up, count), out.sigma).reshape(1, 1).copyTo(cv::Mat(1, int(one), CV_32F, inputs.ptr<float>()));
    blurPixels(blob, randomPixels(H * W, count, seed), out.sigma).reshape(1, 1).copyTo(cv::Mat(1, int(one), CV_32F, inputs.ptr<float>() + one));
    if (auto st = logitsOf(inputs, logits); !st) return st;
    out.topProbability = softmaxAt(logits.row(0), classIndex);
    out.randomProbability = softmaxAt(logits.row(1), classIndex);
    out.topLogit = logits.at<float>(0, classIndex);
    out.randomLogit = logits.at<float>(1, classIndex);
    return {};
}

LogitsOf chainLogits(BackwardChain& chain) {
    return [&chain](const cv::Mat& blobs, cv::Mat& logits) -> Status {
        const int n = blobs.size[0], H = blobs.size[2], W = blobs.size[3];
        const int shape[] = {1, 3, H, W};
        cv::Mat rows;
        for (int i = 0; i < n; ++i) {
            const cv::Mat one(4, shape, CV_32F, const_cast<float*>(blobs.ptr<float>()) + size_t(i) * 3 * H * W);
            if (auto st = chain.forward(one); !st) return st;
            rows.push_back(chain.output(chain.topLayer()).reshape(1, 1));
        }
        logits = rows;
        return {};
    };
}

}  // namespace cnnscope
