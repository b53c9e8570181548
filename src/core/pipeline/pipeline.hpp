// The live pipeline: a capture thread and an inference thread, handing over latest-wins.
// Threading contract: the capture thread owns the FrameSource, the inference thread owns the
// Model's net; every public method is safe to call from the UI thread, and none blocks on the
// network.
#pragma once

#include "core/base/latest.hpp"
#include "core/model/model.hpp"
#include "core/pipeline/source.hpp"
#include "core/model/style.hpp"

#include <atomic>
#include <functional>
#include <future>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace cnnscope {

using Clock = std::chrono::steady_clock;

struct FramePacket {
    cv::Mat frame;
    uint64_t id = 0;        // unique per delivered frame
    int64_t index = 0;      // frame number in the source (from 0)
    Clock::time_point captured;
};

struct InferenceResult {
    cv::Mat act;            // (1, C, H, W) float32
    cv::Mat frame;          // the frame the network saw (BGR): the stylised one with a style stage
    // With a style stage: the frame before it and its style label. With comparison on, also the
    // original frame's activation and both Gram matrices (C x C).
    cv::Mat original, originalAct, gram, originalGram;
    std::string style;
    double styleMs = 0;
    std::string layer;
    uint64_t frameId = 0;
    int64_t frameIndex = 0;
    double inferMs = 0;
    Clock::time_point captured, finished;
};

struct PipelineStats {
    double captureFps = 0, inferFps = 0, inferMs = 0;
    uint64_t framesCaptured = 0, framesDropped = 0, inferences = 0;
    bool paused = false, ended = false;
    uint64_t sourceFailures = 0, sourceReconnects = 0;  // a live source that stopped, and came back
    int64_t frameIndex = 0;
    double sourceFps = 0;
    // What runs on each conv layer, taken on the inference thread after a forward (refreshed when
    // the conv mode or the layer changes, or while layers are still only planned); null before.
    std::shared_ptr<const ConvReport> conv;
};

class Pipeline {
public:
    explicit Pipeline(Model model);
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    // Opens a source (in the caller's thread) and starts capture; replaces any previous source.
    Status openSource(const std::string& spec);
    std::string sourceDescription() const;
    bool sourceIsLive() const;
    bool sourceIsStill() const;

    // Selects the layer. With recompute=false the current frame is not run again (the caller
    // already has this layer's result for it); the next frame uses the new layer.
    void setLayer(const std::string& layer, bool recompute = true);
    std::string layer() const;
    // Computes the current frame again (e.g. the conv kernel changed).
    void recompute();
    void setPaused(bool paused);
    bool paused() const { return m_paused.load(); }
    void step();                  // one frame while paused
    void seek(int64_t frame);     // video files
    void setLoop(bool loop) { m_loop = loop; }
    bool loop() const { return m_loop.load(); }
    void setSpeed(double speed);  // playback speed for files, 0.1 .. 8
    // A style network run on every frame before the model (null: none). The stage is used by the
    // inference thread only, from the next frame; the current frame is computed again.
    void setStyle(std::shared_ptr<StyleStage> style);
    std::string styleLabel() const;
    // With a style stage: also run the model on the original frame and compute both Gram matrices.
    void setCompare(bool compare);
    bool compare() const { return m_compare.load(); }
    double speed() const { return m_speed.load(); }

    // The newest result, if newer than `seen` (swapped into `out`: keep no references to the old one).
    bool takeResult(InferenceResult& out, uint64_t& seen) { return m_results.take(out, seen); }
    PipelineStats stats() const;
    // Non-empty while the source is failing (lost camera, dropped stream); retried in the background.
    std::string sourceError() const;
    std::string inferenceError() const;
    const Model& model() const { return m_model; }  // catalogue reads only while running

    // Runs the net on `frame` for several layers on the inference thread, between live frames
    // (the net belongs to that thread). One request at a time: a second one fails at once.
    std::future<Expected<std::vector<cv::Mat>>> computeLayers(cv::Mat frame, std::vector<std::string> layers);

    void stop();
    // Stops both threads and hands the model back (to reconfigure it); the pipeline is done.
    Model release();

private:
    void captureLoop();
    void inferenceLoop();
    void runPendingTask();
    void stopCapture();

    Model m_model;
    mutable std::mutex m_mutex;  // guards m_source, m_spec, m_layer, errors, rates
    std::unique_ptr<FrameSource> m_source;
    std::string m_spec, m_layer, m_sourceError, m_inferError;
    std::thread m_capture, m_inference;
    std::atomic<bool> m_running{true}, m_captureRunning{false};
    std::atomic<bool> m_paused{false}, m_loop{true}, m_ended{false};
    std::atomic<int> m_steps{0};
    std::atomic<int64_t> m_seekTo{-1}, m_frameIndex{0};
    std::atomic<double> m_speed{1.0};
    std::atomic<uint64_t> m_layerVersion{0};
    LatestSlot<FramePacket> m_frames;
    LatestSlot<InferenceResult> m_results;
    std::function<void(Model&)> m_task;  // guarded by m_mutex
    std::shared_ptr<StyleStage> m_style;  // guarded by m_mutex; run by the inference thread only
    std::atomic<bool> m_compare{false};
    uint64_t m_nextFrameId = 0;
    double m_captureFps = 0, m_inferFps = 0, m_inferMs = 0;
    uint64_t m_inferences = 0;
    uint64_t m_sourceFailures = 0, m_sourceReconnects = 0;
    std::shared_ptr<const ConvReport> m_conv;  // guarded by m_mutex; written by the inference thread
};

}  // namespace cnnscope
