// The history GIF export's two halves: exportHistory runs on a job thread and asks for one kept
// frame's view at a time; the main thread recomputes that frame's maps (on the inference thread,
// Pipeline::computeLayers) and draws them offscreen with their own renderer, like a recording
// frame. HistoryGifBridge is the one-request hand-over between them.
#pragma once

#include "core/base/expected.hpp"
#include "core/pipeline/history.hpp"
#include "core/render/normalize.hpp"
#include "core/render/view.hpp"
#include "gfx/activation_renderer.hpp"
#include "gfx/offscreen.hpp"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cnnscope::app {

class HistoryGifBridge {
public:
    // Job thread: hands `f` to the main thread and waits for its image; gives up when `cancel` is
    // set or the main thread closes the bridge (the window closes, the model changes).
    Expected<cv::Mat> render(const HistoryFrame& f, const std::atomic<bool>& cancel);
    // Main thread: the frame waiting for its image, if any.
    bool pending(HistoryFrame& f);
    void answer(Expected<cv::Mat> image);
    void close(const std::string& why);

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::optional<HistoryFrame> m_request;
    std::optional<Expected<cv::Mat>> m_answer;
    std::string m_closed;  // non-empty: why no more answers come
};

// Main-thread state of an export in progress (the GL objects die with it: reset in teardown).
struct HistoryGifState {
    std::shared_ptr<HistoryGifBridge> bridge = std::make_shared<HistoryGifBridge>();
    std::string path, layer;
    ViewState view;  // as it was when the export started: every frame drawn the same way
    bool colorbar = false;
    uint64_t generation = 0;
    cv::Size size;                                              // the view, without the caption
    std::shared_ptr<std::future<Expected<std::vector<cv::Mat>>>> compute;  // the frame's maps, in flight
    int64_t computing = -1;                                     // its source index
    gfx::ActivationRenderer renderer;
    gfx::OffscreenTarget target;
    bool rendererReady = false;
    std::vector<Range> ranges;
    std::vector<float> scratch;
    std::vector<int64_t> indices;  // frames drawn so far
    gfx::PixelRect mapsRect;       // where the maps lie in each view (below the caption strip)
};

}  // namespace cnnscope::app
