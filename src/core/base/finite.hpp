// Non-finite numbers are never a silent success: weights checked at load, outputs after forward.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/dnn.hpp>

#include <string>

namespace cnnscope {

// Largest weight magnitude accepted at load: far above any trained network's, far below what
// overflows float32 within a few layers.
constexpr double kMaxWeightMagnitude = 1e6;

// Every layer's weights finite and within kMaxWeightMagnitude; the error names the layer.
Status checkNetWeights(cv::dnn::Net& net, const std::string& what);

// An activation (or any float array) holds only finite numbers; the error names `what` (e.g. the
// layer) and says how many values are NaN or infinite. The window calls it on the maps it shows.
Status checkFinite(const cv::Mat& values, const std::string& what);

// `dst` = a copy of `src` (dst's memory reused when its size fits), checked like checkFinite, in
// one pass over the data split across OpenCV's threads: the forward's copy-out, which would
// otherwise read a large activation twice (copy, then check) on one core.
Status copyFinite(const cv::Mat& src, cv::Mat& dst, const std::string& what);

}  // namespace cnnscope
