// Two networks side by side: match a layer of model A to model B (by name, else by position among
// layers of its kind), the difference A - B with symmetric ranges for a diverging colormap, and
// the CPU figure (A | B | A - B) for the CLI.
// Window use: matchLayer() when the layer changes; on the inference thread forward both models,
// then layerDifference() gives an R32F (1,C,H,W) diff and per-channel ranges [-M, M] to upload
// like any activation and draw with Colormap::Rdbu (gamma 1).
#pragma once

#include "core/model/catalogue.hpp"
#include "core/base/expected.hpp"
#include "core/render/mosaic.hpp"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace cnnscope {

struct LayerMatch {
    std::string layerA, layerB;
    bool byPosition = false;  // names differ: matched as the n-th layer of its kind
    int position = 0;         // 1-based among A's layers of that kind (conv or pool)
    std::string note;         // one line for stderr and the figure
};

// Layer `layer` of A (a (C,H,W) layer) in B: the same name if B has it; else for a conv (or pool)
// layer, B's conv (pool) layer at the same position, taken after B's ReLU when one directly
// follows it (Keras conv layers already include theirs; ONNX and Caffe have separate ReLUs).
Expected<LayerMatch> matchLayer(const std::vector<LayerInfo>& a, const std::string& layer, const std::vector<LayerInfo>& b);

// How the difference is scaled: symmetric around 0, per channel [-M_c, M_c] with M_c = max |A_c - B_c|
// (PerChannel) or one M over the layer (Layer). M = 0 (identical maps) gives [-1, 1]: all zero -> the middle colour.
enum class DiffScale { PerChannel, Layer };

// diff = a - b (both (1,C,H,W) CV_32F of the same shape); ranges[c] = [-M, M]; maxAbs = max |a - b|.
Status layerDifference(const cv::Mat& a, const cv::Mat& b, DiffScale scale, cv::Mat& diff, std::vector<Range>& ranges, float* maxAbs = nullptr);

struct ModelComparisonInput {
    cv::Mat actA, actB;                // (1,C,H,W) of the matched layers
    std::string labelA, labelB;        // e.g. "VGG19 [untrained]", "vgg19.onnx"
    LayerMatch match;
    ViewSpec view;                     // grid page or one channel, colormap and normalisation of A and B
    int column = 320;                  // width of each of the three panels
    int64_t frameIndex = 0;
};

struct ModelComparisonResult {
    cv::Mat figure;
    cv::Mat diff;                      // A - B, (1,C,H,W)
    float maxAbs = 0;                  // max |A - B| over the layer
    cv::Rect panels[3];                // A, B and A - B in the figure
};

constexpr int kComparisonGap = 8, kComparisonHeader = 22;

// Panels of column x column*H/W at y = kComparisonHeader, x = gap + i * (column + gap), under a
// header naming each; the match note and max |A - B| in a caption strip below. The difference
// panel uses Colormap::Rdbu with per-channel symmetric ranges (DiffScale::Layer when the view's
// normalisation is 'layer'), gamma 1.
Expected<ModelComparisonResult> renderModelComparison(const ModelComparisonInput& in);

}  // namespace cnnscope
