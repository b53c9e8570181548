// Gram matrices of feature maps: what neural style transfer matches between a style image and
// its output (Gatys et al.). Also their heatmap rendering through the CPU colormaps.
#pragma once

#include "core/render/colormap.hpp"
#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

namespace cnnscope {

// G[i][j] = sum over pixels of F_i * F_j / (H * W), for a (1, C, H, W) float32 activation.
// `out` becomes C x C CV_32F (its memory is reused when the size is unchanged).
Status gramMatrix(const cv::Mat& act, cv::Mat& out);

// The colour scale of Gram heatmaps: [0, max |G|] ([-m, m] if an entry is negative). Give both
// matrices to put them on one shared scale (then equal colours mean equal values).
Range gramRange(const cv::Mat& a, const cv::Mat& b = cv::Mat());

// The heatmap of a Gram matrix coloured over `range`, scaled to `size` with nearest sampling as
// the GL shader samples, so that every entry stays a crisp square.
void renderGram(const cv::Mat& gram, Range range, Colormap cmap, float gamma, cv::Size size, cv::Mat& out);

// ||a - b||_F / ||b||_F: how far a's style statistics are from b's (0 = the same). Same-size inputs.
double gramDistance(const cv::Mat& a, const cv::Mat& b);

}  // namespace cnnscope
