// Class scores of a classifier head: class names (ImageNet's by default, or a labels file) and
// the top K of a frame's logits with their softmax probabilities.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace cnnscope {

constexpr int kImageNetClasses = 1000;

// Where ImageNet's class names are read from: $CNNSCOPE_IMAGENET_LABELS, else OpenCV's samples'
// classification_classes_ILSVRC2012.txt (Debian's opencv-doc), in the index order the Keras,
// Caffe, ONNX and torchvision ImageNet models use.
std::string imageNetLabelsPath();

// One name per line (a trailing empty line, '\r' and trailing spaces dropped). `labelsFile`
// empty: ImageNet's names, which need `classes` == 1000. The count must equal `classes`. Errors
// name the file, the counts and the fix.
Expected<std::vector<std::string>> loadClassLabels(const std::string& labelsFile, int classes);

struct ClassScore {
    int index = 0;
    std::string label;
    double probability = 0;  // softmax over all the logits, in double
    double logit = 0;
};

// The K classes with the largest logits, largest first (ties: the lower index first), with
// softmax(logits) probabilities. `logits`: CV_32F, one value per class.
std::vector<ClassScore> topClasses(const cv::Mat& logits, int k, const std::vector<std::string>& labels);

}  // namespace cnnscope
