// Frame sinks: where recorded frames go. GIF (giflib + libimagequant), MP4 (OpenCV VideoWriter)
// or a folder of PNGs. Every sink writes under a temporary name and moves the result into place
// on finish(); a sink destroyed without finish() removes what it wrote.
#pragma once

#include "core/base/expected.hpp"
#include "core/io/output_guard.hpp"

#include <opencv2/core.hpp>

#include <memory>
#include <string>

namespace cnnscope {

enum class SinkKind { Gif, Mp4, PngDir };
const char* sinkKindName(SinkKind k);
// By the path: *.gif, *.mp4 / *.avi / *.mkv, anything else a directory of PNGs.
SinkKind sinkKindFor(const std::string& path);
// Folder for a PNG folder, File for GIF and MP4: what checkOutputs needs for a recording path.
inline OutputKind outputKindFor(const std::string& path) {
    return sinkKindFor(path) == SinkKind::PngDir ? OutputKind::Folder : OutputKind::File;
}

class FrameSink {
public:
    virtual ~FrameSink() = default;
    // An 8-bit BGR frame of the sink's size, shown for delayMs.
    virtual Status write(const cv::Mat& bgr, int delayMs) = 0;
    virtual Status finish() = 0;
    virtual int frames() const = 0;
    virtual SinkKind kind() const = 0;
};

// fps: the container's rate for MP4 (GIF and PNG use per-frame delays).
Expected<std::unique_ptr<FrameSink>> openSink(const std::string& path, cv::Size frameSize, double fps);

}  // namespace cnnscope
