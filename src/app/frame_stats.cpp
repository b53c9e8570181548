// The window's render rate and display latency.
#include "app/frame_stats.hpp"

#include <algorithm>

namespace cnnscope::app {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    const size_t k = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size() - 1) + 0.5));
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    return v[k];
}

void FrameStats::frameDrawn() {
    ++m_framesRendered;
    ++m_windowFrames;
    const double seconds = std::chrono::duration<double>(Clock::now() - m_windowStart).count();
    if (seconds >= 1.0) {
        m_renderFps = double(m_windowFrames) / seconds;
        m_windowFrames = 0;
        m_windowStart = Clock::now();
    }
}

void FrameStats::inputEvent() {
    if (m_inputPending) return;  // the oldest event waiting counts
    m_inputPending = true;
    m_inputAt = Clock::now();
}

void FrameStats::frameBegins() {
    if (!m_inputPending || m_inputInFrame) return;
    m_inputInFrame = true;
    m_inputInFrameAt = m_inputAt;
    m_inputPending = false;
}

void FrameStats::frameSwapped() {
    if (!m_inputInFrame) return;
    m_inputInFrame = false;
    m_uiLatencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - m_inputInFrameAt).count());
    if (m_uiLatencies.size() > 2000) m_uiLatencies.erase(m_uiLatencies.begin(), m_uiLatencies.begin() + 1000);
}

void FrameStats::latency(double ms) {
    m_latencies.push_back(ms);
    if (m_latencies.size() > 2000) m_latencies.erase(m_latencies.begin(), m_latencies.begin() + 1000);
}

}  // namespace cnnscope::app
