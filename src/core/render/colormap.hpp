// CPU colormaps: the twins of the GL shaders. Both index the same 256-entry RGB table with
// matplotlib's rule: entry = min(int(t * 256), 255) for t in [0,1].
#pragma once

#include "core/base/expected.hpp"
#include "core/render/normalize.hpp"

#include <opencv2/core.hpp>

#include <array>
#include <string>
#include <vector>

namespace cnnscope {

enum class Colormap { Hot, Gray, Viridis, Inferno, Magma, Turbo, Bwr, Rdbu };

const std::vector<std::string>& colormapNames();
Expected<Colormap> parseColormap(const std::string& name);
const char* colormapName(Colormap c);

// 256 RGB entries in [0,1]. 'hot' is matplotlib's piecewise-linear definition sampled at i/255;
// viridis/inferno/magma/turbo come from OpenCV's tables; 'bwr' is matplotlib's blue-white-red;
// 'rdbu' is matplotlib's diverging RdBu_r (blue < 0.5 < red), used for differences A - B.
using Lut = std::array<cv::Vec3f, 256>;
const Lut& colormapLut(Colormap c);

inline int lutIndex(float t) {
    int i = int(t * 256.f);
    return i < 0 ? 0 : (i > 255 ? 255 : i);
}

// 8-bit BGR of one LUT entry, rounded as a GL framebuffer rounds.
cv::Vec3b lutBgr8(Colormap c, int index);

// Colours an (H,W) CV_32F plane into `dst` (H,W) CV_8UC3 BGR.
void colorize(const cv::Mat& plane, Range range, float gamma, Colormap c, cv::Mat& dst);
// Colours an (H,W) float plane into `dst` of any size (CV_8UC3, allocated by the caller), sampling
// like the GL shader: destination pixel x of a D-wide map reads texel floor((x + 0.5) * W / D).
void colorizeScaled(const float* plane, int H, int W, Range range, float gamma, Colormap c, cv::Mat& dst);

}  // namespace cnnscope
