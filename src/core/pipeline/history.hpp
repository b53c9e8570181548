// The history: a ring of the last input frames, bounded by a memory budget, for scrubbing back.
// Threading: one writer (the capture or inference thread) calls push(); any thread (the main
// thread) reads. Stored frames are never modified after push(), so a reader's HistoryFrame shares
// the pixels (cv::Mat refcount) without copying and stays valid after eviction. The budget counts
// the frames the ring holds; a frame evicted while a reader still holds it is freed when released.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace cnnscope {

constexpr size_t kDefaultHistoryMb = 512;

struct HistoryFrame {
    cv::Mat frame;          // 8-bit BGR, read-only
    int64_t index = 0;      // frame number in the source
    double seconds = 0;     // timestamp (source time for files, capture time for live sources)
};

struct HistoryStats {
    size_t frames = 0, bytes = 0, budget = 0;
    uint64_t pushed = 0, evicted = 0, refused = 0;  // refused: a single frame larger than the budget
    int64_t firstIndex = -1, lastIndex = -1;
    double firstSeconds = 0, lastSeconds = 0;
};

class FrameHistory {
public:
    explicit FrameHistory(size_t budgetBytes = kDefaultHistoryMb << 20);

    // Copies `frame` in and evicts the oldest frames until the budget holds. A frame larger than
    // the whole budget is refused (false). Indices should grow; a smaller index (a seek or loop
    // back) clears the history first, so lookups stay ordered.
    bool push(const cv::Mat& frame, int64_t index, double seconds);
    void clear();
    // A new budget; evicts at once when smaller.
    void setBudget(size_t budgetBytes);
    size_t budget() const;

    size_t size() const;
    HistoryStats stats() const;
    // i-th kept frame, 0 the oldest.
    std::optional<HistoryFrame> at(size_t i) const;
    // The frame with this source index, if kept.
    std::optional<HistoryFrame> byIndex(int64_t index) const;
    // The newest kept frame at or before `seconds` (the oldest when all are later).
    std::optional<HistoryFrame> byTime(double seconds) const;
    // Kept frames with index in [first, last], oldest first (shared pixels, no copies).
    std::vector<HistoryFrame> range(int64_t first, int64_t last) const;

    // Bytes a frame of this size takes (8-bit BGR), and per second of history at `fps`.
    static size_t frameBytes(cv::Size size) { return size_t(size.area()) * 3; }
    static double bytesPerSecond(cv::Size size, double fps) { return double(frameBytes(size)) * fps; }
    // Seconds of history a budget holds at that size and rate.
    static double secondsFor(size_t budgetBytes, cv::Size size, double fps) {
        return double(budgetBytes / frameBytes(size)) / fps;
    }

private:
    void evictLocked();
    mutable std::mutex m_mutex;
    std::deque<HistoryFrame> m_frames;
    size_t m_bytes = 0, m_budget;
    uint64_t m_pushed = 0, m_evicted = 0, m_refused = 0;
};

}  // namespace cnnscope
