// The source -> process -> sink loop of `record` and `stylize`: frames until the end, --frames or
// Ctrl-C, each turned into an image and written through an AsyncEncoder (GIF, MP4, PNG folder).
#pragma once

#include "cli/cli.hpp"
#include "core/pipeline/source.hpp"
#include "record/async_encoder.hpp"

#include <functional>
#include <string>

namespace cnnscope::cli {

struct StreamLoop {
    std::string source, out;  // SOURCE (named when it gives no frames) and --out
    int64_t frames = 0;       // frames to write; 0: to the end (live sources until Ctrl-C)
    double fps = 10;          // the output's frame rate
    std::string readError;    // follows the source's error in the warning when a read fails
    std::string detail;       // the progress line's detail (" (Ctrl-C to stop)" is added without --frames)
};

struct StreamResult {
    int64_t written = 0;
    bool stopped = false;  // by a signal; the output is complete
    EncoderStats stats;    // the encoder's, before it was finished
};

// One frame: FRAME (as read) into IMAGE (as written), shown for DELAYMS.
using StreamStep = std::function<Status(cv::Mat& frame, cv::Mat& image, int& delayMs)>;

// Reads S from where it stands; the first image opens the sink at its size.
Expected<StreamResult> runStream(FrameSource& s, const StreamLoop& loop, Progress& progress, const StreamStep& step);

}  // namespace cnnscope::cli
