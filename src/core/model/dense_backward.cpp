#include "core/model/dense_backward.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <vector>

namespace cnnscope {

void denseBackwardData(const float* g, int out, const float* W, int in, float* dx) {
    std::vector<int> rows;
    rows.reserve(size_t(out));
    for (int i = 0; i < out; ++i)
        if (g[i] != 0.f) rows.push_back(i);
    // The live rows split between the threads, each streaming whole rows into its own sum (the
    // weights are read once, in order); the sums added at the end.
    const int parts = std::max(1, std::min(cv::getNumThreads(), int(rows.size() / 64) + 1));
    std::vector<std::vector<float>> sums(size_t(parts), std::vector<float>(size_t(in), 0.f));
    cv::parallel_for_(cv::Range(0, parts), [&](const cv::Range& r) {
        for (int p = r.start; p < r.end; ++p) {
            float* acc = sums[size_t(p)].data();
            const size_t first = rows.size() * size_t(p) / size_t(parts), last = rows.size() * size_t(p + 1) / size_t(parts);
            for (size_t k = first; k < last; ++k) {
                const float gi = g[rows[k]];
                const float* w = W + size_t(rows[k]) * size_t(in);
                for (int j = 0; j < in; ++j) acc[j] += gi * w[j];
            }
        }
    });
    std::copy(sums[0].begin(), sums[0].end(), dx);
    for (size_t p = 1; p < sums.size(); ++p)
        for (int j = 0; j < in; ++j) dx[j] += sums[p][size_t(j)];
}

}  // namespace cnnscope
