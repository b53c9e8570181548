// Model files checked before OpenCV's importers see them. OpenCV 4.6 trusts what a file says: an
// ONNX initializer whose dims claim more than it holds is read past its end, a Conv without its
// weight crashes, a Darknet weights file cut short loads as zeros. Every path that hands a file to
// cv::dnn (the model, the second model, the style networks, the window's panels) goes through
// readNetChecked, so a malformed file is one error naming the tensor or layer, never a signal.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/dnn.hpp>

#include <string>

namespace cnnscope {

// ONNX: every tensor (initializers, Constant nodes, nested graphs) holds exactly what its dims and
// data type say, stored in the file (no external data), with dims >= 0 and a size the file can
// hold; the weight inputs OpenCV requires as constants (Conv, ConvTranspose, BatchNormalization)
// are initializers or Constant outputs. Bounded: every length is checked against the bytes left.
Status checkOnnxFile(const std::string& path);

// Caffe .caffemodel: every blob holds the values its shape says (a blob cut short is refused).
Status checkCaffeModel(const std::string& path);

// TensorFlow .pb: every Const tensor's tensor_content holds what its dtype and shape say.
Status checkTensorflowGraph(const std::string& path);

// Darknet: the weights file holds at least the floats the loaded net's layers take from it.
Status checkDarknetWeights(const std::string& weights, const cv::dnn::Net& net);

// The loaded net: every convolution / inner-product layer has its weights, in float32.
Status checkLoadedNet(const cv::dnn::Net& net);

// A name read from a model file (layer, node, tensor, dataset), safe to print: control characters
// (terminal escapes) and bytes that are not UTF-8 become \xNN, and it is cut at 120 bytes.
std::string shownName(const std::string& name);

// OpenCV's error in the user's terms: the node and what OpenCV checked, without source paths,
// line numbers or versions.
std::string shortCvError(const cv::Exception& e);

// cv::dnn::readNet(path, config) with the checks above before and after, and OpenCV's exceptions
// turned into one line naming `what` (e.g. "model 'x.onnx'").
Expected<cv::dnn::Net> readNetChecked(const std::string& path, const std::string& config, const std::string& what);

}  // namespace cnnscope
