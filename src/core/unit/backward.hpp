// Backward engine: a chain of conv / ReLU / max-pool (and dense / flatten up to a classifier's
// logits) layers copied from a loaded model, whose
// forward (OpenCV dnn) records what the backward needs (ReLU masks, max-pool inputs) and whose
// backward carries gradients injected at one or more layers back to the input blob. Serves
// back-projection of one unit (guided / deconv / grad) and Gatys style transfer (grad).
#pragma once

#include "core/base/expected.hpp"
#include "core/model/onednn_chain.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cnnscope {

class Model;

// How a gradient g goes back through a ReLU whose input was x:
// Guided g*[x>0]*[g>0] (Springenberg et al.), Deconv max(g,0) (Zeiler & Fergus, as the Deep
// Visualization Toolbox), Grad g*[x>0] (the plain gradient).
enum class ReluMode { Guided, Deconv, Grad };
Expected<ReluMode> parseReluMode(const std::string& name);
const char* reluModeName(ReluMode m);

// The layer types a chain goes through, for messages and --help.
const char* backwardSupportedTypes();

// Owns its own copy of the weights and its own nets, so it can run on any one thread beside the
// Model it came from (the window's back-projection thread); not thread-safe itself.
class BackwardChain {
public:
    // The layers from the input up to `layer` (included) of `model`'s net. Errors name the
    // first layer it cannot go through, its type and the supported types. Reads the model's
    // net: call it where that Model is not running a forward (e.g. on its own thread).
    static Expected<BackwardChain> build(Model& model, const std::string& layer);
    // The layers from the input up to the model's logits: through a with-top Keras file's dense
    // head (ReLU on all but the last), or the net's own Flatten / InnerProduct / Dropout layers.
    // The dense weights are shared with the model, not copied. topLayer() is the logits layer.
    static Expected<BackwardChain> buildToLogits(Model& model);

    // Layer names (the model's) whose outputs can be read and seeded, input to top.
    std::vector<std::string> layerNames() const;
    const std::string& topLayer() const { return m_top; }

    // Runs the chain on a preprocessed (1, 3, H, W) CV_32F blob; any H, W the net accepts.
    Status forward(const cv::Mat& blob);
    // The last forward's output of a layer (post-ReLU for Keras conv layers), (1, C, H, W). Aliases
    // the chain's memory: valid until the next forward. Empty for an unknown name.
    cv::Mat output(const std::string& layer) const;

    // Gradients of some scalar with respect to the outputs of named layers (each the shape of
    // output(name)) -> its gradient with respect to the input blob, (1, 3, H, W) CV_32F.
    // Convolutions go back as transposed convolutions through their weights (no bias), max pools
    // to the winner of the forward (first in scan order on ties), ReLUs per `mode`.
    Status backward(const std::vector<std::pair<std::string, cv::Mat>>& seeds, ReluMode mode, cv::Mat& inputGrad);
    // The same, stopped at layer `at`: the gradient with respect to its output (output(at)'s shape).
    // Dense layers go back through their weights, flatten by reshaping.
    Status backwardTo(const std::vector<std::pair<std::string, cv::Mat>>& seeds, ReluMode mode, const std::string& at,
                      cv::Mat& grad);

    double lastForwardMs() const { return m_forwardMs; }
    double lastBackwardMs() const { return m_backwardMs; }
    // What runs the chain: "oneDNN bf16 (brgconv:avx512_core_bf16)", "oneDNN f32 (...)" or
    // "OpenCV dnn" (built without oneDNN, or --conv opencv), with the precision note if any.
    const std::string& engine() const { return m_engine; }

    struct Stage;
    BackwardChain();
    ~BackwardChain();
    BackwardChain(BackwardChain&&) noexcept;
    BackwardChain& operator=(BackwardChain&&) noexcept;

private:
    void buildForwardNet();
    int stageOf(const std::string& name) const;
    std::vector<int> shapeOf(int stage) const;
    Status runBackward(const std::vector<std::pair<std::string, cv::Mat>>& seeds, ReluMode mode, int stop, cv::Mat& grad);
    void chooseEngine();  // the oneDNN executor in the requested precision where it can run

    // The oneDNN executor (when m_useExec); outputs are made f32 on first read after a forward.
    mutable OneDnnChain m_exec;
    bool m_useExec = false;
    int m_execPrecision = -1;
    mutable std::vector<cv::Mat> m_read;
    std::string m_engine = "OpenCV dnn";

    std::vector<Stage> m_stages;
    std::string m_top;
    cv::dnn::Net m_net;
    std::vector<cv::String> m_outNames;
    std::vector<int> m_outIndex;    // stage -> index in m_outs, -1 if not requested
    std::vector<cv::Mat> m_outs;
    cv::Mat m_input;
    cv::Mat m_grad, m_tmp;
    double m_forwardMs = 0, m_backwardMs = 0;
};

// Back-projection of one unit: the seed is channel `channel` of `layer`'s activation map (all
// other channels zero), carried back to the input. Runs chain.forward(blob) first.
Status backProject(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, int channel, ReluMode mode,
                   cv::Mat& inputGrad);

// How the window shows a back-projection: signed RGB, 128 = 0, each channel scaled by the largest
// |value| over all three (so hue shows which colour the unit wants more or less of), in the
// image's colour order (`swapRB`: the blob is RGB), resized to `size` with linear interpolation.
void renderBackprop(const cv::Mat& inputGrad, bool swapRB, cv::Size size, cv::Mat& bgr);

}  // namespace cnnscope
