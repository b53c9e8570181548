// Feature visualisation by optimisation (Olah et al., Distill 2017; Lucid / Lucent): the input
// that maximises one unit's mean activation. The image is parametrised as a decorrelated
// Fourier spectrum (per colour channel of a decorrelated colour space, scaled by 1/frequency),
// squashed through a sigmoid into [0, 1]; each step applies a random jitter, scale and rotation
// (transformation robustness) before the network sees it, and a total-variation prior on the
// image is subtracted from the objective. The gradient with respect to the input blob comes from
// the backward engine (grad mode); the rest of the chain (preprocessing, the transform, sigmoid,
// colour matrix, inverse DFT) is differentiated here. Adam ascends it. Deterministic for a seed:
// channel K starts from an RNG seeded with seed + K, whatever else runs.
// Diversity (Lucid's): K images of one unit optimised together, the objective minus a weighted
// sum of the cosine similarities between the Gram matrices of their activations at the layer.
#pragma once

#include "core/base/expected.hpp"
#include "core/model/preprocess.hpp"
#include "core/unit/backward.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnscope {

class Model;

struct FeatvisOptions {
    cv::Size size{128, 128};   // working size (the image written)
    int iterations = 512;
    uint64_t seed = 0;
    double learningRate = 0.05;  // Adam, on the spectrum (Lucid's default)
    double decay = 1.0;          // spectrum scale 1 / f^decay
    double tv = 0.05;            // weight of the TV prior (see objective())
    bool transforms = true;      // random jitter / scale / rotation each step
    int diversity = 1;           // K images per unit, optimised together (1..8)
    // w of the diversity term (see objectiveBatch()). Lucid's examples use 100 on InceptionV1; on
    // cnnscope's test nets 10 lowers the Gram cosine between the images from 0.99 to 0.82-0.93 for
    // ~10% of the activation, 100 to 0.3 for ~75% of it (see README).
    double diversityWeight = 10.0;
};

// One random transform: the image the network sees at output pixel q samples the parametrised
// image at centre + R(-angle) (q - centre) / scale - shift (bilinear, reflected at the border).
struct FeatvisTransform {
    double angleDeg = 0, scale = 1, dx = 0, dy = 0;
};

// The optimised variables: one complex spectrum (H x W, CV_32FC2) per decorrelated colour channel.
struct FeatvisParams {
    std::vector<cv::Mat> spectrum;
};

class FeatureVis {
public:
    // A chain up to `layer` of `model` (any layer the backward engine goes through).
    static Expected<FeatureVis> create(Model& model, const std::string& layer, const FeatvisOptions& o);

    int channels() const { return m_channels; }
    const FeatvisOptions& options() const { return m_opts; }

    // Starts channel k afresh: the K spectra (image 0's first) from N(0, 0.01^2) drawn from an RNG
    // seeded with seed + k.
    Status start(int channel);
    // One Adam step on the current channel's K images (K random transforms from the channel's RNG,
    // image 0's first).
    Status step();
    int iteration() const { return m_iteration; }
    // The objective of the last step (see objectiveBatch()), image i's mean activation in it.
    double lastObjective() const { return m_lastObjective; }
    double lastActivation(int i = 0) const { return m_lastActivations[size_t(i)]; }

    // The current image i (0..K-1), 8-bit BGR at the working size, untransformed.
    void image(cv::Mat& bgr, int i = 0) const;
    // The mean activation of every channel of the layer for an 8-bit image (resized to the
    // working size by the model's preprocessing when it is another size).
    Status meanActivations(const cv::Mat& bgr, std::vector<double>& means);

    // The objective J = mean_{y,x} act[channel] of the network's view of the image
    // (T applied) - tvWeight * TV(image), TV = sum over colours and neighbour pairs (right, down)
    // of squared differences of the [0, 1] image, divided by H * W. Its gradient with respect to
    // the spectrum (real and imaginary parts as separate variables) into *grad when given.
    // While the unit is silent everywhere (activation 0, no gradient) the backward runs in deconv
    // mode instead, a direction out of the dead zone. For tests and step().
    Status objective(const FeatvisParams& p, int channel, const FeatvisTransform& t, double tvWeight, double& value,
                     FeatvisParams* grad, double* activation = nullptr);
    // K images of one unit (K <= options().diversity), image i under transform t[i]:
    //   J = (1/K) sum_i [a_i - tvWeight TV_i] - w (1/K) sum_{i != j} cos(G_i, G_j),
    // a_i and TV_i as in objective(), G_i the C x C Gram matrix of image i's activation at the
    // layer (its channels' dot products over positions), cos the Frobenius cosine (0 for a zero
    // Gram) and w = diversityWeight: Lucid's diversity objective. *similarity (when given) gets
    // the mean cosine over the K (K - 1) ordered pairs (0 for K = 1). Gradients per image into
    // *grad; a silent image goes back in deconv mode from its unit alone, as in objective().
    Status objectiveBatch(const std::vector<FeatvisParams>& p, int channel, const std::vector<FeatvisTransform>& t,
                          double tvWeight, double diversityWeight, double& value, std::vector<FeatvisParams>* grad,
                          std::vector<double>* activations = nullptr, double* similarity = nullptr);
    const FeatvisParams& params(int i = 0) const { return m_params[size_t(i)]; }
    // A random transform as step() draws them, from `rng`.
    FeatvisTransform randomTransform(cv::RNG& rng) const;

    // The mean cosine similarity of the Gram matrices at the layer between the given 8-bit
    // images (each resized to the working size by preprocessing), over all ordered pairs.
    Status gramSimilarity(const std::vector<cv::Mat>& bgr, double& similarity);

private:
    struct Pass;
    FeatureVis() = default;
    // The [0,1] RGB image (3 planes H x W, CV_32F) of a spectrum.
    void render(const FeatvisParams& p, std::vector<cv::Mat>& rgb) const;
    // Image i's forward on chain i: its [0,1] image, the network's view (t applied) and activation.
    Status forwardImage(int i, const FeatvisParams& p, const FeatvisTransform& t, Pass& pass);
    // dJ/d(layer output) `seed` back through chain i and the image chain (adding the prior's
    // gradient pass.prior) to the spectrum.
    Status backwardImage(int i, Pass& pass, const cv::Mat& seed, ReluMode mode, FeatvisParams& grad);
    void adam(int i);

    std::vector<BackwardChain> m_chains;  // one per image of a unit (they keep their forward's state)
    std::string m_layer;
    FeatvisOptions m_opts;
    Preprocess m_pre;
    int m_channels = 0;
    cv::Mat m_scale;                // H x W spectrum scale
    std::vector<FeatvisParams> m_params, m_m, m_v, m_grad;
    cv::RNG m_rng;
    int m_channel = -1, m_iteration = 0;
    double m_lastObjective = 0;
    std::vector<double> m_lastActivations;
};

// splitmix64 of seed + channel: the RNG state of a channel (never 0).
uint64_t featvisChannelState(uint64_t seed, int channel);

}  // namespace cnnscope
