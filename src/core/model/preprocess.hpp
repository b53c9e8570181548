// Per-model input preprocessing, kept as data (models/models.yml), applied into reused buffers.
#pragma once

#include <opencv2/core.hpp>

namespace cnnscope {

// blob[c] = (pixel[c'] * scale - mean[c]) / stddev[c], with c' = 2-c when swapRB (BGR -> RGB).
// Defaults are Keras' "caffe" mode for VGG16/VGG19: BGR, mean subtraction, no scaling.
struct Preprocess {
    cv::Size size{224, 224};
    cv::Scalar mean{103.939, 116.779, 123.68};
    cv::Scalar stddev{1.0, 1.0, 1.0};
    double scale = 1.0;
    bool swapRB = false;
};

// Reusable scratch so that steady-state frames allocate nothing.
struct PreprocessBuffers {
    cv::Mat bgr;      // 3-channel 8-bit copy when the input is gray or BGRA
    cv::Mat resized;  // input size, 8-bit BGR
    cv::Mat blob;     // (1, 3, H, W) CV_32F
};

// Fills buffers.blob from an 8-bit gray, BGR or BGRA frame. Returns the blob.
const cv::Mat& preprocess(const cv::Mat& frame, const Preprocess& p, PreprocessBuffers& buffers);

}  // namespace cnnscope
