// Finite weights and outputs.
#include "core/base/finite.hpp"

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace cnnscope {

Status checkNetWeights(cv::dnn::Net& net, const std::string& what) {
    return guard([&]() -> Status {
        const std::vector<cv::String> names = net.getLayerNames();
        for (const auto& name : names) {
            cv::Ptr<cv::dnn::Layer> layer = net.getLayer(name);
            if (!layer) continue;
            for (const cv::Mat& blob : layer->blobs) {
                if (blob.empty() || blob.depth() != CV_32F) continue;
                if (!cv::checkRange(blob, true, nullptr, -kMaxWeightMagnitude, kMaxWeightMagnitude)) {
                    const cv::Mat flat = blob.reshape(1, 1);
                    double bad = 0;
                    for (int i = 0; i < int(flat.total()); ++i) {
                        const float v = flat.ptr<float>()[i];
                        if (!std::isfinite(v) || std::fabs(v) > kMaxWeightMagnitude) { bad = v; break; }
                    }
                    std::string shown = name;  // Keras convs are built as NAME/conv before NAME's ReLU
                    if (shown.size() > 5 && shown.compare(shown.size() - 5, 5, "/conv") == 0) shown.resize(shown.size() - 5);
                    return Error{what + ": layer '" + shown + "' has " +
                                 (std::isfinite(bad) ? "an absurd weight " + cv::format("%g", bad) + " (magnitude above 1e6)"
                                                     : std::string("non-finite weights (") + (std::isnan(bad) ? "NaN" : "Inf") + ")") +
                                 "; the file is corrupt or not a trained network"};
                }
            }
        }
        return {};
    });
}

Status checkFinite(const cv::Mat& values, const std::string& what) {
    if (values.empty() || values.depth() != CV_32F) return {};
    if (cv::checkRange(values, true)) return {};
    const cv::Mat flat = values.reshape(1, 1);
    int64_t nan = 0, inf = 0;
    const float* p = flat.ptr<float>();
    for (size_t i = 0; i < flat.total(); ++i) {
        if (std::isnan(p[i])) ++nan;
        else if (std::isinf(p[i])) ++inf;
    }
    return Error{what + " came out non-finite (" + std::to_string(nan) + " NaN, " + std::to_string(inf) + " infinite of " +
                 std::to_string(flat.total()) + " values): the weights overflow float32; check the model file"};
}

Status copyFinite(const cv::Mat& src, cv::Mat& dst, const std::string& what) {
    if (src.empty() || src.depth() != CV_32F || !src.isContinuous()) {
        src.copyTo(dst);
        return checkFinite(dst, what);
    }
    dst.create(src.dims, src.size.p, src.type());
    const size_t n = src.total() * size_t(src.channels());
    const float* s = src.ptr<float>();
    float* d = dst.ptr<float>();
    constexpr size_t kChunk = size_t(1) << 16;  // 256 KB of floats: a chunk stays in L2 between copy and test
    const int chunks = int((n + kChunk - 1) / kChunk);
    std::atomic<bool> bad{false};
    auto copyChunks = [&](const cv::Range& r) {
        uint32_t acc = 0;
        for (int c = r.start; c < r.end; ++c) {
            const size_t begin = size_t(c) * kChunk, end = std::min(n, begin + kChunk);
            std::memcpy(d + begin, s + begin, (end - begin) * sizeof(float));
            const uint32_t* bits = reinterpret_cast<const uint32_t*>(d + begin);
            // An exponent of all ones is an infinity or a NaN; no early exit, so the loop vectorises.
            for (size_t i = 0; i < end - begin; ++i) acc |= uint32_t((bits[i] & 0x7f800000u) == 0x7f800000u);
        }
        if (acc) bad = true;
    };
#if defined(__SANITIZE_THREAD__)
    // OpenCV's thread pool (TBB) is not built with ThreadSanitizer, which then cannot see that the
    // chunks are done before this function returns: they run on this thread there, so that its
    // reports stay about cnnscope's own threads.
    copyChunks(cv::Range(0, chunks));
#else
    cv::parallel_for_(cv::Range(0, chunks), copyChunks);
#endif
    return bad ? checkFinite(dst, what) : Status{};
}

}  // namespace cnnscope
