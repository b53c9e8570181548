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
    // The source ended early (fewer frames than its header claims, or a read error): the output
    // holds the frames read, and the command exits with kExitSourceShort after saying so.
    std::string shortSource;
};

// Exit status of a run whose output is complete for the frames read but whose source ended
// before its header's frame count (or failed while being read): never a silent 0.
constexpr int kExitSourceShort = 3;
// Prints the warning (also with -q: it explains the exit status) and returns kExitSourceShort.
int reportShortSource(const std::string& why);

// One frame: FRAME (as read) into IMAGE (as written), shown for DELAYMS.
using StreamStep = std::function<Status(cv::Mat& frame, cv::Mat& image, int& delayMs)>;

// One step of a headless command's read loop over a source (classify, channels), as they all say
// it: Frame (`frame` holds the next one), Done (the end, --frames reached by the caller, a still
// image read once, Ctrl-C: `stopped`; a file shorter than its header or a failed read after some
// frames: `shortSource`; a live source's failure after some frames is warned about with
// `keptWhat`, "writing the ... so far"), or Failed before any frame (`error`, nothing written).
struct FrameLoop {
    std::string source;    // SOURCE as given (named when it gives no frames)
    std::string keptWhat;  // e.g. "writing the frames classified so far"
    bool stopped = false;
    std::string shortSource, error;
};
enum class NextFrame { Frame, Done, Failed };
NextFrame nextFrame(FrameSource& s, int64_t done, cv::Mat& frame, FrameLoop& loop);

// Reads S from where it stands; the first image opens the sink at its size.
Expected<StreamResult> runStream(FrameSource& s, const StreamLoop& loop, Progress& progress, const StreamStep& step);

}  // namespace cnnscope::cli
