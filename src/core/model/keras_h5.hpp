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
    enum class Kind { Conv, MaxPool, Dense };
    std::string name;       // Keras name, e.g. block1_conv1
    Kind kind = Kind::Conv;
    int kh = 3, kw = 3;     // kernel (conv) or window (pool)
    int inChannels = 0, outChannels = 0;
    cv::Mat weights;        // Conv: 4-D (out, in, kh, kw) CV_32F; Dense: (out, in) CV_32F, inputs in
                            // OpenCV's channel-first flatten order (c, h, w)
    cv::Mat bias;           // Conv, Dense: (1, out) CV_32F
    bool relu = true;       // Dense: ReLU after it (every dense layer of Keras VGG but the last)
};

// The classifier head of a with-top Keras file: its dense layers, the last one's output the
// logits (its softmax is not part of the list), and the (C, H, W) map they read, flattened.
struct SeqHead {
    std::vector<SeqLayer> dense;   // fc1, fc2, predictions (relu false on the last)
    std::string input;             // the layer the first dense layer reads (block5_pool)
    int c = 0, h = 0, w = 0;       // its shape, from fc1's rows and the channels before it
};

// Reads a Keras weight file: follows the root (or `model_weights`) attribute `layer_names` and
// each layer's `weight_names`, accepting old (`block1_conv1_W_1:0`) and new
// (`block1_conv1/kernel:0`) naming. Conv kernels (kh,kw,in,out) are transposed to
// (out,in,kh,kw); layers whose name contains "pool" become 2x2/2 max pooling; dense layers and
// everything after the first dense layer are ignored (the "with top" file) unless `head` is
// given: then the dense layers are read into it (Keras kernels (in, out) transposed to (out, in);
// fc1's rows, which Keras flattens in (h, w, c) order, permuted to OpenCV's (c, h, w); the map
// must be square, h = w = sqrt(rows / channels)); a file without dense layers leaves
// head->dense empty. Conv layers are
// 'same'-padded, stride 1, ReLU, as in Keras VGG16/VGG19. A file named like vgg19 must carry
// all 16 VGG19 conv layers with their real shapes.
// A dataset of `dims` with `elementBytes` each must fit what the file stores for it (storageBytes,
// times deflate's best ratio when `filtered`) and the file's size, and at most 8 GB: refused
// otherwise, with the numbers, before anything is allocated.
Status checkDatasetBound(const std::vector<unsigned long long>& dims, size_t elementBytes, unsigned long long storageBytes,
                         bool filtered, unsigned long long fileBytes);

Expected<std::vector<SeqLayer>> readKerasH5(const std::string& path, SeqHead* head = nullptr);

// VGG19's conv part with seeded He-normal weights and zero biases ("untrained").
std::vector<SeqLayer> vgg19Untrained(uint64_t seed);

// VGG19's classifier head (fc1 25088x4096, fc2 4096x4096, predictions 4096x1000) with seeded
// He-normal weights and zero biases, reading block5_pool at 7x7 (input 224x224).
SeqHead vgg19UntrainedHead(uint64_t seed);

// VGG19's layer names and channel counts, the reference architecture.
struct VggConvSpec { const char* name; int in, out; };
const std::vector<VggConvSpec>& vgg19ConvSpecs();

}  // namespace cnnscope
