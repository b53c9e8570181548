// The window's Why worker: its own thread and its own copy of the model with its classifier head
// (loaded on first use, and again when a request names another generation: the window changed
// the model, input size or target), a BackwardChain to the logits, and, per frame, the logits,
// the class map at a layer and the channels' attribution from one forward and one backward
// (core/unit/attribution's camWithAttribution), the faithfulness figure when asked. Ablated
// channels are zeroed in its model and put back when the list changes. Latest-wins both ways.
#pragma once

#include "app/latest_worker.hpp"
#include "core/unit/attribution.hpp"
#include "core/unit/cam.hpp"
#include "session/session.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace cnnscope::app {

struct WhyRequest {
    cv::Mat frame;  // BGR, owned by the request
    uint64_t frameId = 0;
    std::string layer;  // the layer on screen: the map's when it can take one, else the last conv layer's output
    CamMethod method = CamMethod::GradCam;
    int classIndex = -1;          // -1: the frame's top-1
    std::vector<int> ablate;      // channels of the map's layer zeroed
    bool faithfulness = false;
    session::CommonOptions model;  // the window's current model, as loadModel options
    uint64_t generation = 0;       // the window's pipeline generation `model` belongs to
    uint64_t serial = 0;           // the view's count of requests: a result answers the one with its serial
};

struct WhyResult {
    WhyRequest asked;  // the request this answers (frame and model options left empty)
    uint64_t frameId = 0, generation = 0;
    std::string layer;  // where the map was made
    CamMethod method = CamMethod::GradCam;
    int requestedClass = -1;
    std::vector<int> ablated;
    CamResult cam;                   // map (h, w), class, probability, logits
    std::vector<std::string> names;  // class names (shared by every result of one model)
    std::vector<ChannelScore> channels;  // ranked, all of them
    double faithTop = -1, faithRandom = -1;
    cv::Mat overlay;  // camBlend of the map over the request's frame (BGR, the frame's size)
    Range range;      // the map's min and max
    double ms = 0;
    bool partial = false;  // a forwards-only map building up: `done` of `total` forwards so far
    int done = 0, total = 0;
    std::string note;      // e.g. the occlusion's patch, or why there is no attribution
    bool cancelled = false;  // given up for a newer request (never handed over)
    std::string error;    // empty: the fields above are set
    bool noHead = false;  // the error is that the model has no classifier head
};

class WhyWorker {
public:
    void submit(WhyRequest request) { m_loop.submit(std::move(request)); }  // replaces a request not yet started
    bool take(WhyResult& out) { return m_loop.take(out); }                   // the newest result, if new

private:
    WhyResult compute(const WhyRequest& r);
    Status prepare(const WhyRequest& r, std::string& layer);  // model, layer, ablation, chain
    // Score-CAM or occlusion in batches through the model's net, partial maps published as they build up.
    Status forwardsOnly(const WhyRequest& r, const cv::Mat& blob, WhyResult& res, std::chrono::steady_clock::time_point t0);

    // Worker thread only:
    std::unique_ptr<Model> m_model;
    std::string m_modelError;
    bool m_noHead = false;  // m_modelError is the model's missing head
    uint64_t m_modelGeneration = 0;
    std::vector<std::string> m_names;
    std::unique_ptr<BackwardChain> m_chain;  // to the logits, for the model as ablated now
    std::string m_chainError;                // why there is none (the forwards-only maps go on without)
    std::string m_ablatedLayer;
    std::vector<int> m_ablated;
    AblationBackup m_backup;
    LatestWorker<WhyRequest, WhyResult> m_loop{[this](bool got, WhyRequest& r, WhyResult& out) {
        if (got) out = compute(r);
        return got && !out.cancelled;  // a map given up for a newer request: that one answers
    }};  // last: its thread starts after the members above exist
};

}  // namespace cnnscope::app
