// Frame sources: image file, video file, camera index, GStreamer pipeline or stream URL.
// Frame counts from containers are never trusted: the end is when read() says so.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <memory>
#include <string>

namespace cnnscope {

enum class SourceKind { Image, Video, Camera, Pipeline, Stream };
const char* sourceKindName(SourceKind k);

enum class ReadStatus { Ok, End, Error };

// How long a source that never delivers (a FIFO with no writer) is waited for: 10 s, or
// $CNNSCOPE_SOURCE_TIMEOUT_MS. Streams use FFmpeg's own open/read timeouts.
int sourceTimeoutMs();

class FrameSource {
public:
    // Decides the kind from the spec: all digits -> camera index; contains '!' -> GStreamer
    // pipeline; contains "://" -> stream URL; an image extension -> image; else a video file.
    static Expected<std::unique_ptr<FrameSource>> open(const std::string& spec);

    // Reads the next frame into `frame` (reusing its memory). An image yields its one frame
    // again and again; `still()` tells callers to stop after the first.
    ReadStatus read(cv::Mat& frame);
    // Reads frames until index `n` (0-based) and returns it; an error names how many exist.
    Status readFrame(int64_t n, cv::Mat& frame);
    // Back to the first frame (files only); false when the backend cannot seek.
    bool rewind();
    // Jumps to frame n of a video file (the next read() returns it); false when it cannot.
    bool seek(int64_t n);

    SourceKind kind() const { return m_kind; }
    const std::string& spec() const { return m_spec; }
    bool still() const { return m_kind == SourceKind::Image; }
    bool live() const { return m_kind == SourceKind::Camera || m_kind == SourceKind::Stream || m_kind == SourceKind::Pipeline; }
    double fps() const { return m_fps; }            // 0 when unknown
    int64_t framesRead() const { return m_index; }  // frames delivered so far
    // The container's claimed frame count (video files; 0 otherwise): an estimate for progress
    // bars only, never for where the file ends.
    int64_t claimedFrames() const { return m_kind == SourceKind::Video ? std::max<int64_t>(0, int64_t(m_cap.get(cv::CAP_PROP_FRAME_COUNT))) : 0; }
    // After read() said End: for a video file that gave clearly fewer frames than its header
    // claimed at open (truncated, or cut while being read), one sentence with both counts; else
    // empty. (Headers that estimate their count are allowed max(2, 1%) frames of slack, and a file
    // whose last frame is at the claimed duration is not short: its missing frames were dropped.)
    std::string shortfall() const;
    cv::Size frameSize() const { return m_size; }
    const std::string& lastError() const { return m_error; }
    std::string describe() const;

private:
    FrameSource() = default;
    SourceKind m_kind = SourceKind::Video;
    std::string m_spec;
    cv::VideoCapture m_cap;
    cv::Mat m_image;
    cv::Mat m_pending;  // a video file's first frame, decoded at open() to prove the file plays
    double m_fps = 0;
    int64_t m_index = 0;
    int64_t m_claimed = 0;  // a video file's frame count as its header gave it at open
    bool m_ended = false;   // read() has said End
    double m_lastMs = 0;    // a video file's last frame's timestamp
    cv::Size m_size;
    std::string m_error;
};

bool isImagePath(const std::string& path);

}  // namespace cnnscope
