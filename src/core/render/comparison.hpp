// The original-versus-stylised figure: both frames, their feature maps at the same layer and
// channel, and both Gram matrices as heatmaps, side by side (CPU rendering, for the CLI).
#pragma once

#include "core/base/expected.hpp"
#include "core/render/mosaic.hpp"

#include <opencv2/core.hpp>

#include <string>

namespace cnnscope {

struct ComparisonInput {
    cv::Mat original, stylised;          // 8-bit BGR frames
    cv::Mat originalAct, stylisedAct;    // (1, C, H, W) of the same layer
    std::string modelLabel, styleLabel, layer;
    ViewSpec view;                       // grid page or one channel, colormap, normalisation
    int column = 448;                    // width of each column in pixels
    // The strip below both columns: none, short (model | layer | Gram distance) or full (also
    // colormap | normalize | gamma). The columns keep their titles either way.
    CaptionStyle caption = CaptionStyle::Short;
};

struct ComparisonResult {
    cv::Mat figure;
    cv::Mat originalGram, stylisedGram;  // C x C float32
    double gramDistance = 0;             // ||G_stylised - G_original||_F / ||G_original||_F
};

Expected<ComparisonResult> renderComparison(const ComparisonInput& in);

}  // namespace cnnscope
