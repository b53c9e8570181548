// How faithful a class map is to the network: the drop in the class's probability when the
// map's most important pixels are blurred away, against the drop for as many random pixels.
#pragma once

#include "core/base/expected.hpp"
#include "core/unit/backward.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <vector>

namespace cnnscope {

struct Faithfulness {
    double fraction = 0.2;  // of the input's pixels
    uint64_t seed = 0;
    double sigma = 0;       // the blur's, in input pixels
    double probability = 0, topProbability = 0, randomProbability = 0;
    double topLogit = 0, randomLogit = 0;  // the class's logit with the top / random pixels blurred
    double topDrop() const { return probability - topProbability; }
    double randomDrop() const { return probability - randomProbability; }
};

// The i-th value (from 0) of a splitmix64 stream seeded with `seed` (Steele et al.; the test
// computes the same stream in numpy).
uint64_t splitmix64At(uint64_t seed, uint64_t i);

// Pixel indices (y * W + x) of an H x W input: the `count` with the largest `values` (CV_32F,
// H x W; ties: the lower index first), or the `count` whose splitmix64At(seed, index) is smallest.
std::vector<int> topPixels(const cv::Mat& values, int count);
std::vector<int> randomPixels(int pixels, int count, uint64_t seed);

// The blob (1, 3, H, W) with the given pixels replaced by a Gaussian blur of it (sigma =
// min(H, W) / 16, kernel 2 * ceil(3 sigma) + 1, borders reflected without repeating the edge).
cv::Mat blurPixels(const cv::Mat& blob, const std::vector<int>& pixels, double sigma);

// The logits (N, classes) of a batch of blobs (N, 3, H, W): the network the map is about.
using LogitsOf = std::function<Status(const cv::Mat& blobs, cv::Mat& logits)>;
// The same through a chain built to the logits, one blob at a time.
LogitsOf chainLogits(BackwardChain& chain);

// The map (any h x w, upsampled with aligned corners to the input) ranks the pixels; the class's
// probability through `logitsOf` with the top `fraction`
// of pixels blurred, and with as many random pixels (seeded) blurred; `probability`: the class's
// on the blob itself (the forward that made the map).
Status faithfulness(const LogitsOf& logitsOf, const cv::Mat& blob, const cv::Mat& map, int classIndex, double probability, double fraction, uint64_t seed,
                    Faithfulness& out);

}  // namespace cnnscope
