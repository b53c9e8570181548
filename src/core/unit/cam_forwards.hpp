// The forwards-only class maps: Score-CAM (pytorch-grad-cam's definition) and occlusion, each made
// from many forwards of changed inputs through the model's own net and head, in batches.
#pragma once

#include "core/base/expected.hpp"
#include "core/unit/cam.hpp"

#include <opencv2/core.hpp>

#include <functional>
#include <vector>

namespace cnnscope {

class Model;

struct ForwardsOptions {
    int batch = 8;    // inputs per forward (pytorch-grad-cam's ScoreCAM uses 16, on GPUs)
    int patch = 32;   // occlusion: the square patch's side in input pixels
    int stride = 16;  // occlusion: its step
    // Called after each batch with the inputs done and the total.
    std::function<void(int done, int total)> progress;
    // Called after each batch with the class logits of the inputs done so far (scores[0..done)):
    // the window builds the map up from them (scoreCamFromScores, occlusionFromScores).
    std::function<void(int done, int total, const std::vector<double>& scores)> partial;
    // Asked before each batch: true stops the map with an error ("cancelled ...").
    std::function<bool()> cancelled;
};

// The patch and stride the window uses for an input: the CLI's defaults (32, 16) at 224, in
// proportion elsewhere (at least 2 and 1).
void occlusionDefaults(cv::Size input, int& patch, int& stride);
// The occlusion map's size: the patch positions that fit, (cols, rows).
cv::Size occlusionGrid(cv::Size input, int patch, int stride);

// The logits (N, classes) CV_32F of a batch of preprocessed blobs (N, 3, H, W) through the
// model's net and its classifier head. Not thread-safe (the model's net).
Status batchLogits(Model& model, const cv::Mat& blobs, cv::Mat& logits);

// (h, w) -> `size` bilinear with the corners aligned (torch's UpsamplingBilinear2d, which
// pytorch-grad-cam's ScoreCAM uses), CV_32F.
void upsampleAlignCorners(const cv::Mat& src, cv::Size size, cv::Mat& dst);

// Score-CAM: each channel c of the layer's activations A (1, C, h, w), upsampled to the input and
// min-max normalised (x - min) / (max - min + 1e-8), multiplies the input blob; the class's logit
// for each masked input is s_c; w = softmax(s); map = ReLU(sum_c w_c A_c), (h, w) CV_32F.
Status scoreCamMap(Model& model, const cv::Mat& blob, const cv::Mat& A, int classIndex, const ForwardsOptions& o, cv::Mat& map);
// The map from the first `done` channels' scores (all C: Score-CAM's; fewer: the softmax over
// those channels only, the map building up), (h, w) CV_32F.
cv::Mat scoreCamFromScores(const cv::Mat& A, const std::vector<double>& scores, int done);

// Occlusion: a patch x patch square of the input set to 0 in the blob (the model's mean colour, a
// grey) at every position (y, x) = (i * stride, j * stride) that fits; map(i, j) = the class's
// logit on the frame minus its logit with that patch occluded (signed: < 0 where hiding the patch
// raises it), (rows, cols) CV_32F with rows = (H - patch) / stride + 1.
Status occlusionMap(Model& model, const cv::Mat& blob, int classIndex, const ForwardsOptions& o, cv::Mat& map);
// The map from the first `done` scores (score 0: the frame; then the patches row by row); the
// positions not done yet are 0. (rows, cols) CV_32F.
cv::Mat occlusionFromScores(const std::vector<double>& scores, int done, int rows, int cols);
// Empty when the patch fits the input (size), else one line naming --patch/--stride and their ranges.
std::string occlusionProblem(cv::Size input, int patch, int stride);

// The class (classIndex < 0: the frame's top-1), its probability and the logits, and the layer's
// activations, from the model's own net (no backward chain: any net OpenCV runs), then the
// forwards-only map. `frame` as read; `blob` its preprocessed input.
Status computeForwardsCam(Model& model, const cv::Mat& frame, const cv::Mat& blob, const std::string& layer, CamMethod method,
                          int classIndex, const ForwardsOptions& o, CamResult& out);

}  // namespace cnnscope
