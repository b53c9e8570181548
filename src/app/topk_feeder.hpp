// The window's top-k feed: a thread that hands each new (activation, frame) to a
// TopKAccumulator, latest-wins (a frame that comes while one is being merged replaces the older
// one; the UI never waits). The main thread reads the selected channel through accumulator().
#pragma once

#include "core/base/latest.hpp"
#include "core/unit/topk.hpp"

#include <atomic>
#include <thread>

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
    TopKFeeder();
    ~TopKFeeder();
    TopKFeeder(const TopKFeeder&) = delete;
    TopKFeeder& operator=(const TopKFeeder&) = delete;

    void feed(TopKFrame f);
    TopKAccumulator& accumulator() { return m_acc; }
    uint64_t fed() const { return m_fed.load(); }  // frames merged
    double lastMs() const { return m_lastMs.load(); }

private:
    void loop();
    TopKAccumulator m_acc;
    LatestSlot<TopKFrame> m_slot;
    std::atomic<bool> m_running{true};
    std::atomic<uint64_t> m_fed{0};
    std::atomic<double> m_lastMs{0};
    uint64_t m_generation = 0;  // feeder thread only
    std::thread m_thread;  // last
};

}  // namespace cnnscope::app
