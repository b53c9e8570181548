// Activation normalisation: per-channel min-max (the article), per-layer, fixed range,
// percentile clip; then gamma. The GL shaders apply the same formula (see colormap.hpp).
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace cnnscope {

enum class NormMode { Channel, Layer, Fixed, Percentile };

struct Normalization {
    NormMode mode = NormMode::Channel;
    float fixedLo = 0.f, fixedHi = 1.f;  // NormMode::Fixed
    float percentile = 99.f;             // NormMode::Percentile: clip to [100-p, p] per channel
    float gamma = 1.f;                   // t -> t^gamma after scaling to [0,1]; < 1 brightens weak values
};

struct Range {
    float lo = 0.f, hi = 0.f;
};

// "channel", "layer", "fixed:LO:HI", "percentile:P" (P in (50,100]).
Expected<Normalization> parseNormalization(const std::string& text, float gamma = 1.f);
std::string normalizationHelp();
std::string describe(const Normalization& n);

// One range per channel of a (1,C,H,W) CV_32F activation. `scratch` is reused (percentile mode).
void channelRanges(const cv::Mat& act, const Normalization& n, std::vector<Range>& out, std::vector<float>& scratch);

// The scalar map shared with the shaders: t = clamp((v-lo)/(hi-lo), 0, 1)^gamma; 0 when hi <= lo.
inline float normalizeValue(float v, Range r, float gamma) {
    if (!(r.hi > r.lo)) return 0.f;
    float t = (v - r.lo) / (r.hi - r.lo);
    t = t < 0.f ? 0.f : (t > 1.f ? 1.f : t);
    return gamma == 1.f ? t : std::pow(t, gamma);
}

// Channel c of a (1,C,H,W) activation as an (H,W) CV_32F header (no copy).
cv::Mat channelView(const cv::Mat& act, int c);

}  // namespace cnnscope
