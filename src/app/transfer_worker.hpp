// The window's style-transfer worker: Gatys et al. (core/transfer) stepped on its own thread, the
// current image, its maps at the layer on screen and the losses handed to the UI latest-wins.
#pragma once

#include "core/unit/transfer.hpp"
#include "session/session.hpp"

#include <opencv2/core.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cnnscope::app {

// What the UI shows of a run: the newest iteration's image, maps and losses.
struct TransferSnapshot {
    uint64_t seq = 0;                // bumped at every hand-over
    cv::Mat image;                   // 8-bit BGR at the working size
    cv::Mat act;                     // `layer`'s maps of `image` (1, C, H, W)
    std::string layer;
    TransferLosses losses;
    std::vector<double> totals;      // total loss per iteration, 1..iteration
    int iterations = 0;              // asked for
    bool running = false, finished = false;
    std::string error;
    double seconds = 0;              // stepping time so far
    cv::Size size;
};

struct TransferRequest {
    session::CommonOptions common;   // the model to load on the worker (its own copy)
    std::string target;
    cv::Mat content, style;
    cv::Size size;
    TransferOptions opts;
    std::string layer;
    int iterations = 100;
};

class TransferWorker {
public:
    explicit TransferWorker(TransferRequest request);
    ~TransferWorker();
    TransferWorker(const TransferWorker&) = delete;
    TransferWorker& operator=(const TransferWorker&) = delete;

    // Main thread: copies the newest snapshot when it is newer than `seen`; never waits on a step.
    bool take(TransferSnapshot& out, uint64_t& seen);
    void setLayer(const std::string& layer);
    void stop() { m_stop = true; }  // the current step finishes, then the thread ends

private:
    void run();
    void publish(TransferSnapshot s);

    TransferRequest m_req;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    TransferSnapshot m_latest;
    std::string m_layer;  // guarded by m_mutex
    std::thread m_thread;
};

}  // namespace cnnscope::app
