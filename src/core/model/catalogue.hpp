// The layer catalogue: name, type, output shape, parameters, receptive field and stride.
#pragma once

#include <opencv2/dnn.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cnnscope {

struct LayerInfo {
    std::string name;          // shown and accepted: OpenCV's name made readable (see readableLayerName)
    std::string netName;       // OpenCV's own name for net.forward() and getLayerId(); also accepted
    std::string type;
    std::vector<int> shape;    // output shape without the batch axis, e.g. (C, H, W)
    int64_t params = 0;
    int receptiveField = 1;    // side of the input window one output pixel sees
    int stride = 1;            // input pixels between neighbouring output pixels
    int rfOffset = 0;          // input coordinate where output pixel 0's field starts (<= 0: padding)
    // The layer's own window on the row before it (identity for ReLU and the like): output o
    // reads o*step - pad .. o*step - pad + (kernel-1)*dilation. `chained`: its one input is the
    // row before it (a plain stack), so fields can be traced back row by row.
    int kernel = 1, step = 1, pad = 0, dilation = 1;
    bool chained = true;
    bool spatial() const { return shape.size() == 3 && shape[1] > 0 && shape[2] > 0; }
    int channels() const { return shape.empty() ? 0 : shape[0]; }
};

// Static facts (type, params, receptive field) from the net's layers, in order. Layers named
// "X/conv" followed by a layer "X" (how cnnscope builds Keras convs with their ReLU) are merged
// into one row "X". typeAlias renames OpenCV types (e.g. Convolution -> Conv2D) when non-empty.
std::vector<LayerInfo> describeLayers(cv::dnn::Net& net, bool kerasNames);

// The name people know for a layer OpenCV imported: without the ONNX importer's "onnx_node!"
// prefix, and for torch.onnx.export's scoped node names ("/features/features.0/Conv") the module
// path from the source ("features.0"). `taken` says whether a candidate is already used; the
// longer forms are the fallbacks ("features.0/Conv", then the whole name without the prefix).
std::string readableLayerName(const std::string& netName, const std::function<bool(const std::string&)>& taken);

// Whether `asked` names this layer: its shown name, OpenCV's name, or OpenCV's name without "onnx_node!".
bool layerMatches(const LayerInfo& layer, const std::string& asked);

// Fills LayerInfo::shape for a (1, 3, H, W) input.
void computeShapes(cv::dnn::Net& net, std::vector<LayerInfo>& layers, cv::Size inputSize);

int64_t totalParams(const std::vector<LayerInfo>& layers);

}  // namespace cnnscope
