// The window's background job runner.
#include "app/jobs.hpp"

namespace cnnscope::app {

void JobRunner::poll() {
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        std::function<void()> apply;
        {
            std::lock_guard<std::mutex> lock((*it)->mutex);
            if (!(*it)->finished) {
                ++it;
                continue;
            }
            apply = std::move((*it)->apply);
        }
        (*it)->thread.join();
        it = m_jobs.erase(it);
        if (apply) apply();
    }
}

bool JobRunner::running(const std::string& name) const {
    for (const auto& job : m_jobs)
        if (job->name == name) return true;  // until poll() has applied its result
    return false;
}

bool JobRunner::progress(const std::string& name, int& done, int& total) const {
    for (const auto& job : m_jobs)
        if (job->name == name) {
            done = job->progress.done;
            total = job->progress.total;
            return true;
        }
    return false;
}

void JobRunner::cancelAndJoin() {
    for (auto& job : m_jobs) job->progress.cancel = true;
    for (auto& job : m_jobs)
        if (job->thread.joinable()) job->thread.join();
    m_jobs.clear();
}

LayerActs awaitLayers(std::future<LayerActs>& f) {
    try {
        return f.get();
    } catch (const std::future_error&) {
        return Error{"the pipeline was restarted"};
    }
}

}  // namespace cnnscope::app
