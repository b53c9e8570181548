// Per-channel statistics of a layer's maps, one frame at a time and over the frames seen: what
// the channel tools sort and filter by (the `channels` command, the window's Channels section).
//
// For one frame, each channel's mean, min and max over its positions and the fraction of them
// above zero ("active": after a ReLU, where the unit fires). Over frames, a ChannelHistory keeps
// every channel's running sums (exact over all frames seen) and the last `window` frames' means
// (the sparkline). A channel is "constant" when every position of every frame seen had the same
// value (min == max throughout, and the same value each frame): a dead ReLU unit is constant 0.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace cnnscope {

struct ChannelFrameStats {
    float mean = 0, min = 0, max = 0;
    float active = 0;  // fraction of positions > 0
};

// `act`: (1, C, H, W) float32. `out` gets C entries (in channel order).
void channelFrameStats(const cv::Mat& act, std::vector<ChannelFrameStats>& out);

enum class ChannelSort { Index, Mean, Max, Active, Variation };
// index, mean, max, active, variation (the names the CLI and the panel use)
const std::vector<std::string>& channelSortNames();
std::string channelSortList();  // "index, mean, max, active, variation"
// "mean" -> Mean; false if the name is unknown.
bool parseChannelSort(const std::string& name, ChannelSort& out);

// One channel over the frames seen.
struct ChannelSummary {
    int channel = 0;
    int frames = 0;
    double mean = 0;       // the mean of the per-frame means
    double variation = 0;  // the standard deviation of the per-frame means (population)
    float min = 0, max = 0;  // over every position of every frame
    double active = 0;     // the mean of the per-frame active fractions
    bool constant = false; // every position of every frame the same value (`min`)
};

class ChannelHistory {
public:
    explicit ChannelHistory(int window = 120) : m_window(window < 1 ? 1 : window) {}
    // Starts over for another layer, model or source (`key` names them); a no-op for the same key
    // and channel count.
    void reset(const std::string& key, int channels);
    const std::string& key() const { return m_key; }
    // One frame's stats (as many as reset() said; else the history starts over under the same key).
    // `id` names the frame uniquely (the pipeline's frame id): the frame counted last, shown again,
    // is not counted twice. `frameIndex` is its place in the source (series_frames).
    void add(uint64_t id, int64_t frameIndex, const std::vector<ChannelFrameStats>& frame);
    int channels() const { return int(m_sum.size()); }
    int frames() const { return m_frames; }
    int window() const { return m_window; }
    ChannelSummary summary(int channel) const;
    // The last window() frames' means of `channel`, oldest first.
    std::vector<float> series(int channel) const;
    // The frame indices of series(), oldest first.
    std::vector<int64_t> seriesFrames() const { return {m_recentFrames.begin(), m_recentFrames.end()}; }
    // The channels in the order `sort` gives (largest first; Index: ascending), without the
    // constant ones if `hideConstant`; ties by channel index.
    std::vector<int> order(ChannelSort sort, bool hideConstant) const;
    std::vector<int> constantChannels() const;

private:
    struct Sum {
        double mean = 0, m2 = 0, active = 0;  // Welford's running mean and M2 of the per-frame means
        float min = 0, max = 0;
        bool constant = true;
    };
    std::string m_key;
    int m_window;
    int m_frames = 0;
    uint64_t m_lastId = 0;
    std::vector<Sum> m_sum;
    std::deque<std::vector<float>> m_recent;  // per frame: every channel's mean
    std::deque<int64_t> m_recentFrames;
};

}  // namespace cnnscope
