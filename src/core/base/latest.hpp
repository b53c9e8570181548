// A latest-wins hand-off between two threads: one slot, never a queue. publish() replaces an
// unconsumed value (counted as dropped); values are swapped, so both sides reuse buffers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <utility>

namespace cnnscope {

template <class T>
class LatestSlot {
public:
    // Moves `value` into the slot; `value` receives the slot's previous content to reuse.
    void publish(T& value) {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_seq != m_takenSeq) ++m_dropped;
            std::swap(m_value, value);
            ++m_seq;
        }
        m_cv.notify_all();
    }

    // If a value newer than `seen` is there, swaps it into `out`, updates `seen`, returns true.
    bool take(T& out, uint64_t& seen) {
        std::lock_guard<std::mutex> lock(m_mutex);
        return takeLocked(out, seen);
    }

    // Like take(), waiting up to `timeout` for a new value (or until wake()).
    template <class Rep, class Period>
    bool waitTake(T& out, uint64_t& seen, std::chrono::duration<Rep, Period> timeout) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait_for(lock, timeout, [&] { return m_seq != seen || m_woken; });
        m_woken = false;
        return takeLocked(out, seen);
    }

    // Wakes a waiter without a value (e.g. to see a changed request or stop).
    void wake() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_woken = true;
        }
        m_cv.notify_all();
    }

    uint64_t published() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_seq;
    }
    uint64_t dropped() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_dropped;
    }

private:
    bool takeLocked(T& out, uint64_t& seen) {
        if (m_seq == seen) return false;
        std::swap(out, m_value);
        seen = m_seq;
        m_takenSeq = m_seq;
        return true;
    }

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    T m_value{};
    uint64_t m_seq = 0, m_takenSeq = 0, m_dropped = 0;
    bool m_woken = false;
};

}  // namespace cnnscope
