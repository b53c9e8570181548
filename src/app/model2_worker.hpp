// The window's second network (model B): its own thread and its own Model, fed the frame on
// screen with model A's maps of it, latest-wins. It forwards the frame through B up to the layer
// matched to A's (core/model_diff's matchLayer: same name, else by position among conv or pooling
// layers) and takes the difference A - B with symmetric ranges. Loading a model also runs on that
// thread, so neither loading nor inference ever makes the UI wait.
#pragma once

#include "core/model/catalogue.hpp"
#include "app/latest_worker.hpp"
#include "core/model/model_diff.hpp"
#include "session/session.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cnnscope::app {

struct Model2Request {
    cv::Mat frame;  // BGR, owned by the request
    cv::Mat actA;   // (1,C,H,W) of layerA for this frame, owned (handed back in the result)
    std::shared_ptr<const std::vector<LayerInfo>> layersA;
    std::string layerA;
    uint64_t frameId = 0;
    int64_t frameIndex = 0;
    cv::Size inputSize;       // A's input size: B runs at the same one
    Normalization norm;       // the view's: A's and B's ranges are taken here, off the UI thread
    uint64_t generation = 0;  // the model the request was made for (Model2State::generation)
};

struct Model2Result {
    uint64_t frameId = 0, generation = 0;
    int64_t frameIndex = 0;
    LayerMatch match;
    cv::Mat actA, actB, diff;       // diff = actA - actB
    std::vector<Range> diffRanges;  // per channel [-M_c, M_c], M_c = max |A_c - B_c| (core/model_diff)
    std::vector<Range> rangesA, rangesB;  // channelRanges under `norm` (the UI takes them once)
    Normalization norm;
    float maxAbs = 0;
    double forwardMs = 0, diffMs = 0;  // B's forward to the matched layer (with copy-out); the difference
    std::string error;                 // empty: all fields set
};

// What the worker holds: a model loading, loaded or failed to load.
struct Model2State {
    uint64_t generation = 0;  // bumped by every load() and unload()
    bool loading = false, loaded = false, untrained = false;
    std::string spec, label, source, error;
    std::vector<std::string> warnings;  // from the last load
};

// A model-load error as B's: the option it names is --model2, not --model.
std::string model2LoadError(std::string error);

class Model2Worker {
public:
    // Loads `opts`' model on the worker thread (replacing the one held); returns the generation
    // whose state will say how it went. `spec` is what the user typed, for the panel.
    uint64_t load(session::CommonOptions opts, std::string spec);
    // Takes a model already loaded (the command line's, checked before the window opened).
    uint64_t adopt(std::unique_ptr<Model> model, std::string spec);
    uint64_t unload();
    Model2State state() const;

    void submit(Model2Request request) { m_loop.submit(std::move(request)); }  // replaces a request not yet started
    bool take(Model2Result& out) { return m_loop.take(out); }                   // the newest result, if new

private:
    bool step(bool got, Model2Request& req, Model2Result& out);  // on the worker's thread
    void applyPendingLoad();
    Model2Result compute(Model2Request& r);

    mutable std::mutex m_mutex;
    Model2State m_state;
    struct PendingLoad {
        std::optional<session::CommonOptions> opts;  // none: unload
        std::unique_ptr<Model> model;                // adopt
        uint64_t generation = 0;
    };
    // Hands a load or an adoption to the thread under a new generation, which it returns.
    uint64_t queueLoad(std::unique_ptr<PendingLoad> pending, std::string spec);
    std::unique_ptr<PendingLoad> m_pending;
    // Worker thread only:
    std::unique_ptr<Model> m_model;
    uint64_t m_modelGeneration = 0;
    LatestWorker<Model2Request, Model2Result> m_loop{[this](bool got, Model2Request& r, Model2Result& out) { return step(got, r, out); }};
    // last: its thread starts after the members above exist
};

}  // namespace cnnscope::app
