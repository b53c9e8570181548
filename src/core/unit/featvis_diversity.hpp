// Lucid's diversity term for feature visualisation: how alike K images of one unit are, as the
// cosine similarities of the Gram matrices of their activations at a layer (style statistics:
// which channels fire together, wherever they fire). featvis subtracts it, weighted, from the
// objective so that the K images find different ways to excite the unit.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <vector>

namespace cnnscope {

// D = sum over ordered pairs i != j of cos(G_i, G_j), G_k = F_k F_k^T / (H W) the C x C Gram
// matrix of activation k, F_k its (1, C, H, W) CV_32F map as C x (H W); cos the Frobenius cosine
// <G_i, G_j> / (|G_i| |G_j|), 0 where a Gram matrix is zero. In double precision. dD/dF_k (each
// the activation's shape, CV_32F) into *grads when given. All activations of one shape.
Status gramCosineSum(const std::vector<cv::Mat>& acts, double& value, std::vector<cv::Mat>* grads = nullptr);

}  // namespace cnnscope
