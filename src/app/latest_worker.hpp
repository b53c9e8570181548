// "Latest request in, latest result out": one thread, one request slot and one result slot, both
// latest-wins (core/base/latest.hpp's LatestSlot), so the UI never waits and never queues. A
// request that comes while one runs replaces the older; a result the UI has not taken yet is
// replaced by the newer. The window's workers (UnitWorker, Model2Worker, TopKFeeder) are this
// loop and their own step. Declare the LatestWorker last in its owner: its thread starts when it is
// constructed (after the members the step uses) and is joined first when the owner goes.
#pragma once

#include "core/base/latest.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace cnnscope::app {

struct NoResult {};  // a worker that hands nothing back (it feeds something the UI reads itself)

template <class Request, class Result = NoResult>
class LatestWorker {
public:
    // Runs on the worker thread: `got` a new request (else woken by wake() or after 100 ms without
    // one); returns true when `out` holds a result to hand over.
    using Step = std::function<bool(bool got, Request& request, Result& out)>;

    explicit LatestWorker(Step step) : m_step(std::move(step)), m_thread([this] { loop(); }) {}
    ~LatestWorker() {
        m_running = false;
        m_requests.wake();
        if (m_thread.joinable()) m_thread.join();
    }
    LatestWorker(const LatestWorker&) = delete;
    LatestWorker& operator=(const LatestWorker&) = delete;

    void submit(Request request) { m_requests.publish(request); }  // replaces a request not yet started
    bool take(Result& out) { return m_results.take(out, m_resultSeen); }  // the newest result, if new
    void wake() { m_requests.wake(); }  // the step runs once without a request (e.g. a load to apply)

    // For a long step, on the worker thread: hand over a result so far (the step's own result
    // follows), and whether to give up (a newer request waits, or the worker is ending).
    void publishPartial(Result partial) { m_results.publish(partial); }
    bool superseded() const { return !m_running || m_requests.published() != m_requestSeen; }

private:
    void loop() {
        Request request;
        while (m_running) {
            const bool got = m_requests.waitTake(request, m_requestSeen, std::chrono::milliseconds(100));
            if (!m_running) break;
            Result result;
            if (m_step(got, request, result)) m_results.publish(result);
        }
    }

    Step m_step;
    LatestSlot<Request> m_requests;
    LatestSlot<Result> m_results;
    uint64_t m_resultSeen = 0;  // the UI thread's
    uint64_t m_requestSeen = 0;  // the worker thread's (superseded() is called there)
    std::atomic<bool> m_running{true};
    std::thread m_thread;  // last: starts after the members above exist
};

}  // namespace cnnscope::app
