// A convolution layer for OpenCV dnn backed by oneDNN (Winograd or direct), registered under
// OpenCV's own "Convolution" type. Built only with CNNSCOPE_ONEDNN; no oneDNN types here.
#pragma once

#include "core/model/conv_mode.hpp"

#include <opencv2/dnn/all_layers.hpp>

#include <string>

namespace cnnscope {

// Derives from BaseConvolutionLayer so code that casts to it (the catalogue) keeps working.
// Owns an OpenCV ConvolutionLayer built from the same parameters and hands it every call on
// targets other than the CPU, in `--conv opencv` and for what oneDNN is not used for here
// (groups, dilation, asymmetric pads, non-float, weights given as an input).
class FastConvLayer : public cv::dnn::BaseConvolutionLayer {
public:
    static cv::Ptr<cv::dnn::Layer> create(cv::dnn::LayerParams& params);
    // What runs at the last forward if it matches the current mode and input shape, else what
    // will run (planned). `target`: the net's target name, "cpu" or another (then opencv).
    virtual ConvLayerReport report(const std::string& target) const = 0;
    // The blobs were changed in place (ablation): the plans' reordered weights go.
    virtual void weightsChanged() = 0;
};

std::string oneDnnVersion();  // e.g. "2.6.3"

}  // namespace cnnscope
