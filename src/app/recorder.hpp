// The window's recorder: the view rendered offscreen at the recording size, read back through
// PBOs (two reads in flight at most) and handed to the bounded encoder thread, which drops frames
// rather than queue them. Also the dated names of the files the window writes. Main thread only;
// it holds no pointer to the window: the offscreen target and the view's drawing come as arguments.
#pragma once

#include "core/base/expected.hpp"
#include "core/pipeline/pipeline.hpp"
#include "gfx/offscreen.hpp"
#include "record/async_encoder.hpp"

#include <opencv2/core.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace cnnscope::app {

// PREFIX-YYYYmmdd-HHMMSS.EXT in the current directory, or PREFIX-...-2.EXT and so on when that
// name is taken (two screenshots within one second must not overwrite each other).
std::string datedName(const std::string& prefix, const char* ext);

struct RecordSettings {
    cv::Size size{640, 480};  // the view's pixels, before the caption and colorbar
    double fps = 10;
    bool colorbar = false;
};

class Recorder {
public:
    // Captions (and colorbars) the view's pixels: the file's frame.
    using Annotate = std::function<cv::Mat(const cv::Mat& pixels, const std::string& caption, bool colorbar)>;
    // Draws the view into the offscreen target at size() and returns its caption.
    using RenderView = std::function<std::string()>;

    // Opens the sink at `path` (a GIF, an MP4 or a new folder); the error when it cannot.
    Status start(const std::string& path, const RecordSettings& settings, const Annotate& annotate, gfx::OffscreenTarget& offscreen);
    // Each UI frame: finished read-backs go to the encoder; when a frame is due, render() draws one
    // and its read-back starts.
    void tick(gfx::OffscreenTarget& offscreen, const Annotate& annotate, const RenderView& render);
    // Hands over the reads in flight, finishes the file and sets status() ("saved ..." or the error).
    Status stop(gfx::OffscreenTarget& offscreen, const Annotate& annotate);

    bool active() const { return m_encoder != nullptr; }
    cv::Size size() const { return m_settings.size; }
    const std::string& path() const { return m_path; }
    const std::string& status() const { return m_status; }  // the last recording's outcome
    Clock::time_point started() const { return m_start; }
    // While recording: seconds, frames written and dropped, encode cost; else status().
    std::string progressText() const;

private:
    cv::Mat fileFrame(const cv::Mat& pixels, const std::string& caption, const Annotate& annotate) const;

    struct PendingFrame {
        std::string caption;
        int delayMs;
    };
    std::unique_ptr<AsyncEncoder> m_encoder;
    RecordSettings m_settings;
    std::string m_path, m_status;
    cv::Size m_frameSize;  // the file's frame: even sides
    Clock::time_point m_start, m_last;
    std::deque<PendingFrame> m_pending;  // one per read in flight (at most 2)
};

}  // namespace cnnscope::app
