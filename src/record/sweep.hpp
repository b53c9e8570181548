// Sweep GIFs: one frame per channel of a layer (the article's block1_conv1 GIF), or one frame
// per layer for a channel index. CPU twin rendering, captioned; safe to run on any thread.
#pragma once

#include "core/base/expected.hpp"
#include "core/render/mosaic.hpp"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace cnnscope {

struct SweepFrame {
    const cv::Mat* act;  // (1,C,H,W)
    std::string layer;
    int channel;
};

struct SweepOptions {
    std::string modelLabel;
    int64_t frameIndex = 0;
    double seconds = 0;
    cv::Size size{448, 448};
    int delayMs = 150;
    Colormap colormap = Colormap::Hot;
    Normalization norm;
    CaptionStyle caption = CaptionStyle::Short;  // full adds colormap | normalize | gamma
    std::function<void(int done, int total)> progress;  // optional
    const std::atomic<bool>* cancel = nullptr;          // optional: stop and write nothing
};

// Every channel of one activation.
std::vector<SweepFrame> channelSweep(const cv::Mat& act, const std::string& layer);
// Channel `channel` (clamped to each layer's count) of several layers.
std::vector<SweepFrame> layerSweep(const std::vector<cv::Mat>& acts, const std::vector<std::string>& layers, int channel);

// Writes the frames as a looping GIF (temporary name, renamed when complete).
Status writeSweepGif(const std::string& path, const std::vector<SweepFrame>& frames, const SweepOptions& o);

}  // namespace cnnscope
