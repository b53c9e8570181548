// The window's own rates: UI frames per second and capture-to-screen latency, for the panel and
// the stats JSON. Main thread only.
#pragma once

#include "core/pipeline/pipeline.hpp"

#include <cstdint>
#include <vector>

namespace cnnscope::app {

// The p-th percentile (0..100) of `v`, by nearest rank; 0 when empty.
double percentile(std::vector<double> v, double p);

class FrameStats {
public:
    // Once per UI frame: the render rate is measured over windows of about a second.
    void frameDrawn();
    // A result shown: capture -> on screen (the newest 1000 to 2000 are kept).
    void latency(double ms);
    void clearLatencies() { m_latencies.clear(); }

    double renderFps() const { return m_renderFps; }
    uint64_t framesRendered() const { return m_framesRendered; }
    double latencyPercentile(double p) const { return percentile(m_latencies, p); }
    size_t latencySamples() const { return m_latencies.size(); }

    // UI latency, input event -> the frame that shows it on screen: an event (a key, a scripted
    // key) is shown by the first frame whose drawing starts after it.
    void inputEvent();
    void frameBegins();   // the frame's drawing starts: the events so far are in it
    void frameSwapped();  // it is on screen: one sample per frame that had events
    double uiLatencyPercentile(double p) const { return percentile(m_uiLatencies, p); }
    size_t uiLatencySamples() const { return m_uiLatencies.size(); }

private:
    std::vector<double> m_latencies, m_uiLatencies;
    bool m_inputPending = false, m_inputInFrame = false;
    Clock::time_point m_inputAt{}, m_inputInFrameAt{};  // the oldest event not yet shown
    double m_renderFps = 0;
    uint64_t m_framesRendered = 0;
    Clock::time_point m_windowStart = Clock::now();
    uint64_t m_windowFrames = 0;
};

}  // namespace cnnscope::app
