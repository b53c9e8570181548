// The oneDNN executor: a plain chain of stages (core/model/chain.hpp) run in oneDNN, f32 or bf16,
// every tensor in the layout oneDNN picks (format_tag::any) from one stage to the next; f32 NCHW
// is made only for the stages someone reads. Forward, and (built for training) the backward to
// any stage or the input: convolution_backward_data, max-pool routing through the forward's
// workspace, ReLU by mask, inner product backward. No oneDNN types here (pimpl); without oneDNN
// in the build, create() says so and callers run OpenCV dnn as before.
#pragma once

#include "core/base/expected.hpp"
#include "core/model/chain.hpp"

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cnnscope {

// How a gradient g goes back through a ReLU whose output was y: Guided g*[y>0]*[g>0], Deconv
// max(g,0), Grad g*[y>0].
enum class GradRelu { Guided, Deconv, Grad };

class OneDnnChain {
public:
    // `bf16`: run in bf16 (the caller checked the CPU has it); `training`: keep what the backward
    // needs (pool workspaces, ReLU outputs). A conv followed by a ReLU runs as one primitive; its
    // pre-ReLU output cannot be read (readable() says which stages can).
    // `winograd`: f32 3x3 stride-1 convolutions with 16+ input channels try oneDNN's Winograd
    // first (inference only; bf16 has none).
    static Expected<OneDnnChain> create(std::vector<ChainStage> stages, bool bf16, bool training, bool winograd = false);

    bool bf16() const;
    size_t size() const;
    const ChainStage& stage(size_t k) const;
    bool readable(size_t k) const;

    // Runs stages 0..last on a (1, C, H, W) CV_32F blob; plans again when the shape changed.
    Status forward(const cv::Mat& blob, size_t last);
    // The last forward's output of stage k as f32 NCHW (1, C, H, W) or (1, N), into out (reused).
    Status read(size_t k, cv::Mat& out);
    // The output shape of stage k at the planned input (-1: the input's).
    std::vector<int> shape(int k) const;
    // Gradients seeded at stage outputs (f32, each of shape(k)) back to the output of stage
    // `stop` (-1: the input blob), as f32 NCHW.
    Status backward(const std::vector<std::pair<int, cv::Mat>>& seeds, GradRelu mode, int stop, cv::Mat& grad);

    // oneDNN's implementation for stage k at the last plan ("brgconv:avx512_core_bf16"), empty
    // for stages that run no primitive of their own (a fused ReLU, identity, flatten) and for
    // stages no forward has reached at this input size.
    std::string impl(size_t k) const;
    // "winograd" or "direct" for a conv stage at the last plan, else empty.
    std::string kernel(size_t k) const;
    double lastForwardMs() const;
    double lastBackwardMs() const;

    struct State;
    OneDnnChain();
    ~OneDnnChain();
    OneDnnChain(OneDnnChain&&) noexcept;
    OneDnnChain& operator=(OneDnnChain&&) noexcept;

private:
    std::unique_ptr<State> m;
};

}  // namespace cnnscope
