// Class activation maps (pytorch-grad-cam's definitions) on the backward engine: the target is a
// class's logit (before the softmax), its gradient carried from the logits down to a layer.
#pragma once

#include "core/base/expected.hpp"
#include "core/render/normalize.hpp"
#include "core/unit/backward.hpp"

#include <opencv2/core.hpp>

#include <string>

namespace cnnscope {

class Model;

// gradcam: w_c = mean over positions of dY/dA_c, map = ReLU(sum_c w_c A_c).
// gradcam++: alpha = g^2 / (2 g^2 + (sum over positions of A_c) g^3 + 1e-6), 0 where g = 0;
//   w_c = sum over positions of max(g, 0) alpha; map = ReLU(sum_c w_c A_c).
// layercam: map = ReLU(sum_c max(g, 0) A_c), per position.
// eigencam: the positions' activation vectors (h*w, C), centred over positions, projected on
//   their first principal direction (first right singular vector, signed so that its entries sum
//   to >= 0: SVD's sign is arbitrary), ReLU; no gradient.
// scorecam, occlusion: forwards only, many of them (cam_forwards.hpp); camMap does not make them.
enum class CamMethod { GradCam, GradCamPlusPlus, LayerCam, EigenCam, ScoreCam, Occlusion };
Expected<CamMethod> parseCamMethod(const std::string& name);
const char* camMethodName(CamMethod m);
const char* camMethodNames();  // "gradcam, gradcam++, layercam, eigencam, scorecam or occlusion"
bool camNeedsGradient(CamMethod m);
// Score-CAM and occlusion: built from forwards of changed inputs, not from one frame's maps.
bool camIsForwardsOnly(CamMethod m);

// The map (h, w) CV_32F from a layer's activations A and gradients G, both (1, C, h, w) CV_32F
// (G unused by eigencam).
Status camMap(CamMethod method, const cv::Mat& activations, const cv::Mat& gradients, cv::Mat& map);

// The last convolution's output: its row, or the ReLU right after it when the net has the
// activation as a layer of its own (ONNX, Caffe). Empty: no convolution.
std::string lastConvLayer(const Model& model);
// A convolution that OpenCV runs fused with the ReLU after it keeps only the ReLU's output: that
// ReLU's name, else empty.
std::string fusedConvReluOutput(const Model& model, const std::string& layer);
// `layer` has a (C,H,W) map before the classifier head that a class map can be made at.
bool camLayerUsable(const Model& model, const std::string& layer);

// The map over the frame (BGR, any size): upsampled (linear), min-max ('hot'), blended half and
// half with the frame; `range`: the map's own min and max (the colorbar's).
cv::Mat camBlend(const cv::Mat& frame, const cv::Mat& map, Range* range = nullptr);

// softmax(logits)[index], in double.
double softmaxAt(const cv::Mat& logits, int index);

struct CamResult {
    cv::Mat map;             // (h, w) CV_32F at the layer's resolution, before upsampling or normalisation
    int classIndex = 0;      // the class the map is for
    double probability = 0;  // its softmax probability on this frame
    double logit = 0;
    cv::Mat logits;          // (1, classes)
    double forwardMs = 0, backwardMs = 0;
};

// out.classIndex, logit and probability from out.logits: `classIndex`, or the top-1 when < 0;
// an error naming the range when it is out of it.
Status pickClass(int classIndex, CamResult& out);

// Forward of `blob` through `chain` (built with BackwardChain::buildToLogits): the target class
// (`classIndex` < 0: the frame's top-1), its probability and logit in `out`, and a copy of
// `layer`'s activations in `A`.
Status camForward(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, int classIndex, CamResult& out, cv::Mat& A);

// Forward of `blob` through `chain` (built with BackwardChain::buildToLogits), the target class
// (`classIndex` < 0: the frame's top-1), its logit's gradient down to `layer` (the plain
// gradient through ReLUs), and the map.
Status computeCam(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, CamMethod method, int classIndex,
                  CamResult& out);

}  // namespace cnnscope
