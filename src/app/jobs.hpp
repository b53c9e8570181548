// Background jobs for the window (sweep GIFs, the paused-frame prefetch): each runs on its own
// thread and hands its result back as a closure that poll() applies on the main thread, the
// only one that touches the window's state (Tracy's RunQueue, ImHex's deferred calls).
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <atomic>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace cnnscope::app {

// What a job may read and report while it runs.
struct JobProgress {
    std::atomic<int> done{0}, total{0};
    std::atomic<bool> cancel{false};  // set at shutdown; long jobs poll it
};

class JobRunner {
public:
    JobRunner() = default;
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;
    ~JobRunner() { cancelAndJoin(); }

    // Runs work(progress) on a thread; apply(result) runs later on the main thread, in poll().
    template <class T>
    void run(const std::string& name, std::function<T(JobProgress&)> work, std::function<void(T&)> apply) {
        auto job = std::make_shared<Job>();
        job->name = name;
        job->thread = std::thread([job, work = std::move(work), apply = std::move(apply)]() mutable {
            auto result = std::make_shared<T>(work(job->progress));
            std::lock_guard<std::mutex> lock(job->mutex);
            job->apply = [apply = std::move(apply), result] { apply(*result); };
            job->finished = true;
        });
        m_jobs.push_back(std::move(job));
    }
    // Main thread: applies the results of the jobs that finished, in the order they were started.
    void poll();
    bool running(const std::string& name) const;
    // Progress of the named running job (done, total), or false.
    bool progress(const std::string& name, int& done, int& total) const;
    // Shutdown: asks every job to stop, waits for them, applies nothing.
    void cancelAndJoin();

private:
    struct Job {
        std::string name;
        std::thread thread;
        JobProgress progress;
        std::mutex mutex;
        bool finished = false;
        std::function<void()> apply;
    };
    std::list<std::shared_ptr<Job>> m_jobs;
};

// The maps of several layers for one frame (Pipeline::computeLayers), awaited on a job thread;
// a pipeline torn down meanwhile is an error.
using LayerActs = Expected<std::vector<cv::Mat>>;
LayerActs awaitLayers(std::future<LayerActs>& f);

}  // namespace cnnscope::app
