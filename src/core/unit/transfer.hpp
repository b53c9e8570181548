// Neural style transfer as Gatys et al. did it: the image's pixels are optimised (Adam) so that
// the network's features stay close to the content image's while the Gram matrices of several
// layers approach the style image's. Step by step, so a caller (CLI loop, the window's worker
// thread) can run N iterations, read the image, losses and Gram distances, and stop any time.
#pragma once

#include "core/unit/backward.hpp"
#include "core/base/expected.hpp"
#include "core/model/preprocess.hpp"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace cnnscope {

class Model;

struct TransferOptions {
    std::string contentLayer = "block4_conv2";
    std::vector<std::string> styleLayers{"block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"};
    double alpha = 1.0;        // content weight
    double beta = 1e4;         // style weight
    double tv = 1e-2;          // total-variation weight (on the preprocessed input)
    double learningRate = 4.0; // Adam step, in preprocessed-input units (pixel levels for VGG)
};

// Losses of one image, as the issue defines them. F^l is layer l's output as C_l x M_l:
// content = 1/2 sum (F^c - P^c)^2; style = sum_l w_l / (4 C_l^2 M_l^2) sum (G^l - A^l)^2 with
// G = F F^T, w_l = 1 / (number of style layers); tv = sum over neighbouring pixels (right and
// down) of squared differences of the preprocessed input; total = alpha content + beta style + tv * tv.
struct TransferLosses {
    int iteration = 0;
    double content = 0, style = 0, tv = 0, total = 0;
    std::vector<double> styleLayer;     // w_l / (4 C^2 M^2) sum (G - A)^2, per style layer
    std::vector<double> gramDistance;   // ||G - A||_F / ||A||_F, per style layer
    double forwardMs = 0, backwardMs = 0;
};

// The working size of a transfer, one rule for `cnnscope transfer --size` and the window's
// --transfer-size: WxH as given, each side kTransferMinSide..kTransferMaxSide; by default the
// content image scaled to kTransferSide on its longer side (each side at least kTransferMinSide).
constexpr int kTransferSide = 256, kTransferMinSide = 16, kTransferMaxSide = 2048;
Expected<cv::Size> parseTransferSize(const std::string& text);
cv::Size defaultTransferSize(cv::Size content);
// `text` when given, else the default for `content`.
Expected<cv::Size> transferSize(const std::string& text, cv::Size content);

class StyleTransfer {
public:
    // content and style: 8-bit BGR (or gray/BGRA) images, both resized to `size` (the style image
    // too, so that M_l matches). The optimisation starts from `init` (same kinds, resized too), or
    // from the content image when `init` is empty.
    static Expected<StyleTransfer> create(Model& model, const cv::Mat& content, const cv::Mat& style, cv::Size size,
                                          const TransferOptions& o, const cv::Mat& init = cv::Mat());

    // One Adam iteration: losses and gradient at the current image (losses() then describes
    // that image), update, clamp every pixel to the valid range.
    Status step();
    // The losses of the current image (a forward only), e.g. after the last step.
    Status evaluate();
    const TransferLosses& losses() const { return m_losses; }
    int iteration() const { return m_iteration; }

    // The current image as 8-bit BGR at the working size.
    void image(cv::Mat& bgr) const;
    // The current preprocessed input (1, 3, H, W).
    const cv::Mat& blob() const { return m_x; }
    const TransferOptions& options() const { return m_opts; }

    // Losses at any blob and, when grad is given, the total's gradient with respect to it
    // (through the backward engine in grad mode). Used by step() and by tests.
    Status lossAndGradient(const cv::Mat& blob, TransferLosses& losses, cv::Mat* grad);

private:
    StyleTransfer() = default;

    BackwardChain m_chain;
    TransferOptions m_opts;
    Preprocess m_pre;
    cv::Mat m_content;                 // P: the content layer's output for the content image
    std::vector<cv::Mat> m_styleGrams; // A^l
    cv::Mat m_x, m_m, m_v, m_grad;     // the image and Adam's moments
    cv::Scalar m_lo, m_hi;             // valid range per blob channel
    TransferLosses m_losses;
    int m_iteration = 0;
};

}  // namespace cnnscope
