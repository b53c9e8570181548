// A net's plain prefix as a list of stages (conv, ReLU, max pool, identity, flatten, dense): what
// the oneDNN executor runs and what the backward engine goes back through. No oneDNN here.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <string>
#include <vector>

namespace cnnscope {

struct ChainStage {
    enum class Kind { Conv, Relu, MaxPool, Identity, Dense, Flatten };
    Kind kind = Kind::Relu;
    std::string name;               // the net's layer name
    std::string label;              // the catalogue's name for it (`layers`; ONNX without "onnx_node!")
    int kh = 1, kw = 1, sh = 1, sw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
    bool ceil = false;
    cv::Mat weights, bias;          // conv: (out, in, kh, kw), (1, out); dense: (out, in), (1, out), shared
};

// The layer types a chain goes through, for messages and --help.
const char* chainSupportedTypes();

// One layer of a net as a stage, or why it cannot be one (empty message: a type no stage has).
// `channels`: its input's channel count, updated to its output's. Conv weights are copied.
Expected<ChainStage> stageFrom(const cv::Ptr<cv::dnn::Layer>& l, int& channels);

// Layers 1..top of `net` when they form a plain chain (each layer reads the one before), else the
// error names the first one that does not and why. `purpose` ends the message ("on the way down
// from 'block5_conv4'"). Labels are left empty.
Expected<std::vector<ChainStage>> plainChain(cv::dnn::Net& net, int top, const std::string& purpose);

// The stages of the longest plain chain from the input among layers 1..top (empty if the first
// layer is not one), each layer read once.
std::vector<ChainStage> longestPlainChain(cv::dnn::Net& net, int top);

}  // namespace cnnscope
