// The history as the window's part: the frames the network saw, kept within --history-mb
// (core/pipeline/history.hpp), where the timeline points (live, or a kept frame), whose maps are on
// screen, the mark, the timeline's widgets and its stats JSON, and a GIF export in progress
// (history_gif.hpp). It holds no pointer to the window: what it cannot do itself (pause the stream,
// compute a kept frame's maps, draw the GIF's frames) the window does when a call here says so.
#pragma once

#include "app/history_gif.hpp"
#include "app/view.hpp"  // KeptFrame
#include "core/pipeline/history.hpp"
#include "core/pipeline/pipeline.hpp"
#include "gfx/screen_layout.hpp"

#include <memory>
#include <optional>
#include <string>

namespace cnnscope::app::detail {

class HistoryTimeline {
public:
    FrameHistory& frames() { return m_frames; }
    const FrameHistory& frames() const { return m_frames; }
    bool scrubbing() const { return m_pos >= 0; }
    Clock::time_point epoch() const { return m_epoch; }  // the first kept frame's capture time

    // A new live result: keeps its frame (not while scrubbing, not the same frame twice).
    void push(const InferenceResult& r);
    // The kept frame the timeline points at, if scrubbing.
    bool source(cv::Mat& frame, uint64_t& id, int64_t& index) const;
    KeptFrame kept() const;
    // To kept frame `pos` (0 the oldest), or `delta` frames from here. True when this leaves the
    // live stream: the window pauses it.
    bool seek(int64_t pos);
    bool step(int delta);
    // Back to the live stream. True when it was scrubbing: the window drops the kept frame's maps.
    bool live();
    // Source index of the kept frame the timeline points at (its maps may still be being computed),
    // else the newest.
    int64_t here() const;
    void mark() { m_mark = here(); }
    // The GIF's range, mark .. here: none when nothing is kept; `warning` set when the marked frame
    // has left the history (the range then starts at the oldest kept).
    std::optional<std::pair<int64_t, int64_t>> gifRange(std::string& warning) const;

    // The maps of the kept frame on screen: the key ("index/layer") still to compute for `layer`,
    // empty when they are on screen or nothing is scrubbed; shown() once they are.
    std::string due(const std::string& layer) const;
    void shown(int64_t index, const std::string& key);
    int64_t shownIndex() const { return m_pos >= 0 ? m_shownIndex : -1; }
    // The kept frame's maps of `layer` are on screen (true when not scrubbing).
    bool showing(const std::string& layer) const;
    // The caption's frame and seconds while scrubbing; false when live.
    bool captionFrame(double sourceFps, int64_t& index, double& seconds) const;

    // The timeline's widgets under the view (ImGui): the budget it applies itself; what the user
    // asked for else is returned for the window to do.
    enum class Ask { None, Live, Back, Forward, Seek, Mark, Gif };
    struct Asked {
        Ask ask = Ask::None;
        int64_t pos = 0;  // Seek
    };
    Asked draw(const gfx::PixelRect& area, int height);
    // The "history" object of the stats JSON.
    std::string statsJson() const;

    // A GIF export in progress (its GL objects: gone by the window's teardown), and the last one's
    // stats JSON.
    std::unique_ptr<HistoryGifState> gif;
    std::string gifJson;

private:
    FrameHistory m_frames;
    int64_t m_pos = -1;  // -1: live; else the kept frame on screen (0 the oldest)
    int64_t m_lastIndex = -1, m_shownIndex = -1, m_mark = -1;
    std::string m_shown;  // "index/layer" of the maps on screen while scrubbing
    Clock::time_point m_epoch{};
};

}  // namespace cnnscope::app::detail
