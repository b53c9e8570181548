// Exports a range of the frame history (core/pipeline/history.hpp) to a GIF, MP4 or PNG folder: each kept
// frame drawn by a caller-supplied view (the window recomputes its maps for that frame) or the
// frame itself, with the delays the frames' timestamps give. Safe to run on any thread.
#pragma once

#include "core/base/expected.hpp"
#include "core/pipeline/history.hpp"

#include <atomic>
#include <functional>
#include <string>

namespace cnnscope {

struct HistoryExportOptions {
    // Draws one kept frame (8-bit BGR, any size: the first one fixes the output size, later ones
    // are resized to it). Empty: the input frame itself. An error stops the export, nothing written.
    std::function<Expected<cv::Mat>(const HistoryFrame&)> render;
    double fps = 0;                                     // 0: delays from the timestamps (10 fps when equal)
    std::function<void(int done, int total)> progress;  // optional
    const std::atomic<bool>* cancel = nullptr;          // optional: stop and write nothing
};

// The kept frames with source index in [first, last], oldest first, to `path` (sinkKindFor).
// Returns the number of frames written; an error when none is kept in that range.
Expected<int> exportHistory(const FrameHistory& history, int64_t first, int64_t last, const std::string& path,
                            const HistoryExportOptions& o = {});

}  // namespace cnnscope
