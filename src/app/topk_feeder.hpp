// The window's top-k feed: a thread that hands each new (activation, frame) to a
// TopKAccumulator, latest-wins (a frame that comes while one is being merged replaces the older
// one; the UI never waits). The main thread reads the selected channel through accumulator().
#pragma once

#include "app/latest_worker.hpp"
#include "core/unit/topk.hpp"

#include <atomic>

namespace cnnscope::app {

struct TopKFrame {
    cv::Mat act, frame;  // owned copies: (1, C, H, W) CV_32F and the frame the model saw (BGR)
    LayerInfo layer;
    cv::Size inputSize;
    int64_t frameIndex = 0;
    double seconds = 0;
    uint64_t generation = 0;  // the window's model generation: a new one resets the accumulator first
};

class TopKFeeder {
public:
    void feed(TopKFrame f) { m_loop.submit(std::move(f)); }
    TopKAccumulator& accumulator() { return m_acc; }
    uint64_t fed() const { return m_fed.load(); }  // frames merged
    double lastMs() const { return m_lastMs.load(); }

private:
    void merge(const TopKFrame& f);  // on the feeder's thread
    TopKAccumulator m_acc;
    std::atomic<uint64_t> m_fed{0};
    std::atomic<double> m_lastMs{0};
    uint64_t m_generation = 0;  // feeder thread only
    LatestWorker<TopKFrame> m_loop{[this](bool got, TopKFrame& f, NoResult&) {
        if (got) merge(f);
        return false;
    }};  // last
};

}  // namespace cnnscope::app
