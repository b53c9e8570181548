// Keras HDF5 weight files (VGG-style conv stacks) -> a layer list OpenCV can build.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnscope {

// One layer of a plain sequential conv stack, in OpenCV's weight layout.
struct SeqLayer {
    enum class Kind { Conv, MaxPool };
    std::string name;       // Keras name, e.g. block1_conv1
    Kind kind = Kind::Conv;
    int kh = 3, kw = 3;     // kernel (conv) or window (pool)
    int inChannels = 0, outChannels = 0;
    cv::Mat weights;        // Conv: 4-D (out, in, kh, kw) CV_32F
    cv::Mat bias;           // Conv: (1, out) CV_32F
};

// Reads a Keras weight file: follows the root (or `model_weights`) attribute `layer_names` and
// each layer's `weight_names`, accepting old (`block1_conv1_W_1:0`) and new
// (`block1_conv1/kernel:0`) naming. Conv kernels (kh,kw,in,out) are transposed to
// (out,in,kh,kw); layers whose name contains "pool" become 2x2/2 max pooling; dense layers and
// everything after the first dense layer are ignored (the "with top" file). Conv layers are
// 'same'-padded, stride 1, ReLU, as in Keras VGG16/VGG19. A file named like vgg19 must carry
// all 16 VGG19 conv layers with their real shapes.
// A dataset of `dims` with `elementBytes` each must fit what the file stores for it (storageBytes,
// times deflate's best ratio when `filtered`) and the file's size, and at most 8 GB: refused
// otherwise, with the numbers, before anything is allocated.
Status checkDatasetBound(const std::vector<unsigned long long>& dims, size_t elementBytes, unsigned long long storageBytes,
                         bool filtered, unsigned long long fileBytes);

Expected<std::vector<SeqLayer>> readKerasH5(const std::string& path);

// VGG19's conv part with seeded He-normal weights and zero biases ("untrained").
std::vector<SeqLayer> vgg19Untrained(uint64_t seed);

// VGG19's layer names and channel counts, the reference architecture.
struct VggConvSpec { const char* name; int in, out; };
const std::vector<VggConvSpec>& vgg19ConvSpecs();

}  // namespace cnnscope
