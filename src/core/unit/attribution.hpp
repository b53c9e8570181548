// Which channels of a layer lead the network to a class: per-channel attribution (gradient x
// activation, summed over positions, Lucid/Captum's "layer gradient x activation"), and ablation
// (the channels zeroed, the network run again).
#pragma once

#include "core/base/expected.hpp"
#include "core/unit/backward.hpp"
#include "core/unit/cam.hpp"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace cnnscope {

class Model;

// a_c = sum over positions of dlogit[class]/dA_c * A_c at `layer`, one per channel. `head`: the
// forward's class (classIndex < 0: the top-1), probability and logits.
Status channelAttribution(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, int classIndex, CamResult& head,
                          std::vector<double>& perChannel);

// The map (camMap's methods) and the attribution from one forward and one backward: the
// logit's gradient at `layer` gives both.
Status camWithAttribution(BackwardChain& chain, const cv::Mat& blob, const std::string& layer, CamMethod method, int classIndex,
                          CamResult& out, std::vector<double>& perChannel);

struct ChannelScore {
    int channel = 0;
    double attribution = 0;
};
// The channels by attribution, largest first (ties: the lower channel first).
std::vector<ChannelScore> rankChannels(const std::vector<double>& perChannel);

// "12,40,7" or ranges "3-5" (each item as featvis's parseChannelList reads it): channel numbers
// of a layer with `channels` channels, sorted, no duplicates; errors name --ablate and the range.
Expected<std::vector<int>> parseAblateList(const std::string& text, int channels);

// Zeroes channels of `layer`'s output for good in this Model: the output channels (weights and
// bias) of the convolution that makes it, through ReLU, max pooling, Identity or Dropout layers in
// between, which keep a zero channel zero. BackwardChains built from the model afterwards run the
// ablated network. Errors when no convolution makes the layer.
Status ablateChannels(Model& model, const std::string& layer, const std::vector<int>& channels);
// The same, keeping the convolution's weights as they were in `backup` first, for restoreAblation
// (which puts them back; BackwardChains built afterwards run the intact network again).
struct AblationBackup {
    int layerId = -1;  // none kept
    std::vector<cv::Mat> blobs;
};
Status ablateChannels(Model& model, const std::string& layer, const std::vector<int>& channels, AblationBackup* backup);
Status restoreAblation(Model& model, AblationBackup& backup);

}  // namespace cnnscope
