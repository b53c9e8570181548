// Encoder thread with a bounded queue.
#include "record/async_encoder.hpp"

#include <chrono>

namespace cnnscope {

AsyncEncoder::AsyncEncoder(std::unique_ptr<FrameSink> sink, size_t capacity)
    : m_sink(std::move(sink)), m_capacity(std::max<size_t>(1, capacity)) {
    m_thread = std::thread([this] { loop(); });
}

AsyncEncoder::~AsyncEncoder() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_closing = true;
        m_queue.clear();
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
    m_sink.reset();  // unfinished: removes its temporary output
}

bool AsyncEncoder::submit(const cv::Mat& bgr, int delayMs, bool wait) {
    std::unique_lock<std::mutex> lock(m_mutex);
    if (wait) m_cv.wait(lock, [&] { return m_closing || m_queue.size() < m_capacity || !m_stats.error.empty(); });
    if (m_closing || m_queue.size() >= m_capacity || !m_stats.error.empty()) {
        ++m_stats.dropped;
        return false;
    }
    Item item;
    if (!m_spare.empty()) {
        item.frame = std::move(m_spare.back());
        m_spare.pop_back();
    }
    bgr.copyTo(item.frame);
    item.delayMs = delayMs;
    m_queue.push_back(std::move(item));
    m_cv.notify_all();
    return true;
}

void AsyncEncoder::loop() {
    for (;;) {
        Item item;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_cv.wait(lock, [&] { return m_closing || !m_queue.empty(); });
            if (m_queue.empty()) return;  // closing and drained
            item = std::move(m_queue.front());
            m_queue.pop_front();
        }
        m_cv.notify_all();  // room for a waiting submit()
        const auto t0 = std::chrono::steady_clock::now();
        Status st = m_stats.error.empty() ? m_sink->write(item.frame, item.delayMs) : Status(Error{m_stats.error});
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::lock_guard<std::mutex> lock(m_mutex);
        if (st) {
            ++m_stats.written;
            m_encodeTotalMs += ms;
        } else if (m_stats.error.empty()) {
            m_stats.error = st.error();
        }
        m_spare.push_back(std::move(item.frame));
    }
}

Status AsyncEncoder::finish() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_closing = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
    if (!m_sink) return Error{"recording already finished"};
    std::string error;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        error = m_stats.error;
    }
    if (!error.empty()) {
        m_sink.reset();
        return Error{error};
    }
    Status st = m_sink->finish();
    m_sink.reset();
    return st;
}

EncoderStats AsyncEncoder::stats() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    EncoderStats s = m_stats;
    s.pending = int(m_queue.size());
    s.encodeMs = s.written ? m_encodeTotalMs / s.written : 0;
    return s;
}

}  // namespace cnnscope
