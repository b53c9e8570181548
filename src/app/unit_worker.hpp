// The window's back-projection worker: its own thread, its own copy of the model (loaded on first
// use, and loaded again when a request names another generation: the window changed the model,
// input size or target) and a BackwardChain rebuilt when the layer changes. Requests and results go latest-wins,
// so the UI never waits and never queues; a request that comes while one runs replaces the older.
#pragma once

#include "core/unit/backward.hpp"
#include "app/latest_worker.hpp"
#include "session/session.hpp"

#include <string>

namespace cnnscope::app {

struct UnitRequest {
    cv::Mat frame;  // BGR, owned by the request (the worker reads it on its thread)
    uint64_t frameId = 0;
    std::string layer;
    int channel = 0;
    ReluMode mode = ReluMode::Guided;
    session::CommonOptions model;  // the window's current model, as loadModel options
    uint64_t generation = 0;       // the window's pipeline generation `model` belongs to
};

struct UnitResult {
    cv::Mat bgr;  // renderBackprop at the frame's size; empty on error
    uint64_t frameId = 0;
    std::string layer;
    int channel = -1;
    ReluMode mode = ReluMode::Guided;
    uint64_t generation = 0;
    cv::Size blobSize;  // the network input the back-projection has (its W x H)
    double forwardMs = 0, backwardMs = 0, totalMs = 0;  // totalMs: preprocess + both + render
    std::string error;
};

class UnitWorker {
public:
    void submit(UnitRequest request) { m_loop.submit(std::move(request)); }  // replaces a request not yet started
    bool take(UnitResult& out) { return m_loop.take(out); }                   // the newest result, if new

private:
    UnitResult compute(const UnitRequest& r);

    // Worker thread only:
    std::unique_ptr<Model> m_model;
    std::string m_modelError;
    uint64_t m_modelGeneration = 0;
    BackwardChain m_chain;
    std::string m_chainLayer;
    LatestWorker<UnitRequest, UnitResult> m_loop{[this](bool got, UnitRequest& r, UnitResult& out) {
        if (got) out = compute(r);
        return got;
    }};  // last: its thread starts after the members above exist
};

}  // namespace cnnscope::app
