// Test support: writes Keras-layout HDF5 weight files with known weights, and a naive
// double-precision reference of the conv stack they describe (independent of OpenCV's dnn).
#pragma once

#include "core/model/keras_h5.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cnnscope::test {

struct KLayer {
    std::string name;
    bool pool = false;
    bool dense = false;          // a classifier layer (2-D kernel), must be ignored by the loader
    int in = 0, out = 0;
    std::vector<float> kernel;   // Keras layout (kh=3, kw=3, in, out), or (in, out) for dense
    std::vector<float> bias;     // (out)
};

enum class Naming { Legacy, Modern };  // block1_conv1_W_1:0 vs block1_conv1/kernel:0

// He-normal weights, small random biases, from a fixed seed.
KLayer convLayer(const std::string& name, int in, int out, std::mt19937& rng);
KLayer poolLayer(const std::string& name);
KLayer denseLayer(const std::string& name, int in, int out, std::mt19937& rng);
std::vector<KLayer> vgg19Layers(uint32_t seed);
// A 3x3 'same' conv for Model::fromSequential: He-normal weights, biases uniform in [biasLo, biasHi).
SeqLayer seqConv(const std::string& name, int in, int out, std::mt19937& rng, float biasLo, float biasHi);

// Writes the file; `nested` puts everything under a `model_weights` group like a saved model.
void writeKerasFile(const std::string& path, const std::vector<KLayer>& layers, Naming naming, bool nested);

// Reference forward: BGR 8-bit image -> Keras caffe preprocessing -> conv(same)+ReLU / maxpool(floor),
// stopping after layer `upTo`. Returns (C, H, W) as a flat vector plus the shape.
struct RefOutput {
    int c = 0, h = 0, w = 0;
    std::vector<double> data;
};
RefOutput referenceForward(const cv::Mat& bgr, const std::vector<KLayer>& layers, const std::string& upTo);

// max |a - ref| / max |ref| over all elements of a (1,C,H,W) float Mat.
double relativeError(const cv::Mat& act, const RefOutput& ref);

std::string tempDir();

}  // namespace cnnscope::test
