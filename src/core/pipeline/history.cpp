// The history ring of input frames (memory-bounded).
#include "core/pipeline/history.hpp"

#include <algorithm>

namespace cnnscope {

namespace {
size_t bytesOf(const cv::Mat& m) { return m.total() * m.elemSize(); }
}  // namespace

FrameHistory::FrameHistory(size_t budgetBytes) : m_budget(budgetBytes) {}

bool FrameHistory::push(const cv::Mat& frame, int64_t index, double seconds) {
    if (frame.empty()) return false;
    const size_t bytes = bytesOf(frame);
    if (bytes > budget()) {  // cheap early out before the copy
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_refused;
        return false;
    }
    // Copy outside the lock: a reader never waits on a frame copy.
    HistoryFrame f{frame.clone(), index, seconds};
    std::lock_guard<std::mutex> lock(m_mutex);
    if (bytes > m_budget) {  // the budget shrank meanwhile
        ++m_refused;
        return false;
    }
    if (!m_frames.empty() && index <= m_frames.back().index) {  // a seek or loop back
        m_evicted += m_frames.size();
        m_frames.clear();
        m_bytes = 0;
    }
    // Make room first so the budget holds at every moment, the new frame included.
    while (!m_frames.empty() && m_bytes + bytes > m_budget) {
        m_bytes -= bytesOf(m_frames.front().frame);
        m_frames.pop_front();
        ++m_evicted;
    }
    m_frames.push_back(std::move(f));
    m_bytes += bytes;
    ++m_pushed;
    return true;
}

size_t FrameHistory::budget() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_budget;
}

void FrameHistory::clear() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_evicted += m_frames.size();
    m_frames.clear();
    m_bytes = 0;
}

void FrameHistory::evictLocked() {
    while (!m_frames.empty() && m_bytes > m_budget) {
        m_bytes -= bytesOf(m_frames.front().frame);
        m_frames.pop_front();
        ++m_evicted;
    }
}

void FrameHistory::setBudget(size_t budgetBytes) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_budget = budgetBytes;
    evictLocked();
}

size_t FrameHistory::size() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_frames.size();
}

HistoryStats FrameHistory::stats() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    HistoryStats s;
    s.frames = m_frames.size();
    s.bytes = m_bytes;
    s.budget = m_budget;
    s.pushed = m_pushed;
    s.evicted = m_evicted;
    s.refused = m_refused;
    if (!m_frames.empty()) {
        s.firstIndex = m_frames.front().index;
        s.lastIndex = m_frames.back().index;
        s.firstSeconds = m_frames.front().seconds;
        s.lastSeconds = m_frames.back().seconds;
    }
    return s;
}

std::optional<HistoryFrame> FrameHistory::at(size_t i) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (i >= m_frames.size()) return std::nullopt;
    return m_frames[i];
}

std::optional<HistoryFrame> FrameHistory::byIndex(int64_t index) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = std::lower_bound(m_frames.begin(), m_frames.end(), index, [](const HistoryFrame& f, int64_t i) { return f.index < i; });
    if (it == m_frames.end() || it->index != index) return std::nullopt;
    return *it;
}

std::optional<HistoryFrame> FrameHistory::byTime(double seconds) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_frames.empty()) return std::nullopt;
    auto it = std::upper_bound(m_frames.begin(), m_frames.end(), seconds, [](double t, const HistoryFrame& f) { return t < f.seconds; });
    return it == m_frames.begin() ? m_frames.front() : *(it - 1);
}

std::vector<HistoryFrame> FrameHistory::range(int64_t first, int64_t last) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<HistoryFrame> out;
    for (const auto& f : m_frames)
        if (f.index >= first && f.index <= last) out.push_back(f);
    return out;
}

}  // namespace cnnscope
