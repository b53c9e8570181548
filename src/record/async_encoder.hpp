// Encodes recorded frames on its own thread with bounded memory: at most `capacity` frames wait;
// when the encoder falls behind, new frames are dropped and counted, never queued without bound.
#pragma once

#include "record/sink.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace cnnscope {

struct EncoderStats {
    int written = 0;
    int dropped = 0;
    int pending = 0;
    double encodeMs = 0;  // mean encode time per frame
    std::string error;    // the first write error; later frames are dropped
};

class AsyncEncoder {
public:
    explicit AsyncEncoder(std::unique_ptr<FrameSink> sink, size_t capacity = 8);
    ~AsyncEncoder();  // abandons: the temporary output is removed
    AsyncEncoder(const AsyncEncoder&) = delete;
    AsyncEncoder& operator=(const AsyncEncoder&) = delete;

    // Queues a copy of the frame; false (and counted as dropped) when the queue is full, unless
    // `wait` is set: then it blocks until there is room (headless recording never drops).
    bool submit(const cv::Mat& bgr, int delayMs, bool wait = false);
    // Waits for queued frames, finalises the file and moves it into place.
    Status finish();
    EncoderStats stats() const;

private:
    void loop();
    struct Item {
        cv::Mat frame;
        int delayMs = 0;
    };
    std::unique_ptr<FrameSink> m_sink;
    size_t m_capacity;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Item> m_queue;
    std::vector<cv::Mat> m_spare;  // recycled frame buffers
    bool m_closing = false;
    EncoderStats m_stats;
    double m_encodeTotalMs = 0;
    std::thread m_thread;
};

}  // namespace cnnscope
