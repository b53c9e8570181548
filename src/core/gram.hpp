// Gram matrices of feature maps: what neural style transfer matches between a style image and
// its output (Gatys et al.). Also their heatmap rendering through the CPU colormaps.
#pragma once

#include "core/colormap.hpp"
#include "core/expected.hpp"

#include <opencv2/core.hpp>

namespace cnnscope {

// G[i][j] = sum over pixels of F_i * F_j / (H * W), for a (1, C, H, W) float32 activation.
// `out` becomes C x C CV_32F (its memory is reused when the size is unchanged).
Status gramMatrix(const cv::Mat& act, cv::Mat& out);

// The heatmap of a Gram matrix: each entry coloured by value / max(|G|) (the matrix of a post-ReLU
// layer is non-negative; 0 is black in 'hot'), scaled to `size` with nearest sampling so that
// every entry stays a crisp square. Returns the range used.
Range renderGram(const cv::Mat& gram, Colormap cmap, float gamma, cv::Size size, cv::Mat& out);

// ||a - b||_F / ||b||_F: how far a's style statistics are from b's (0 = the same). Same-size inputs.
double gramDistance(const cv::Mat& a, const cv::Mat& b);

}  // namespace cnnscope
