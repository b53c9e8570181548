// The scripted run's harness (`view --frames N --keys ...`): the keys first, one a UI frame like a
// person typing ('idle' and 'frame' wait), then N frames of the requested view, then the files
// asked for. Its own state only: what it needs of the window comes as arguments each frame.
#pragma once

#include "app/keys.hpp"
#include "core/pipeline/pipeline.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cnnscope::app {

class ScriptedRun {
public:
    // What the harness asks of the window while keys remain (called only when needed).
    struct Probe {
        std::function<bool()> viewIdle;            // nothing is being computed for the view
        std::function<uint64_t()> inferences;      // the pipeline's count so far
        std::function<uint64_t()> historyPushed;   // frames pushed into the history so far
        // Why no new frame can come now (a still image already shown, the video ended, the stream
        // paused), or empty. 'frame' fails with it once it has held for kNoFrameGrace with no
        // inference finishing meanwhile (a frame captured before a pause is still inferred and
        // pushed: that one ends the wait).
        std::function<std::string()> noNextFrame;
    };
    static constexpr double kNoFrameGrace = 2.0;  // seconds

    // frames: --frames N (0: not a scripted run); keys: --keys.
    void configure(int frames, std::vector<KeyAction> keys);
    bool on() const { return m_frames > 0; }

    // The keys phase. True while keys remain: `press` is the key to apply this frame, if any
    // ('idle' and 'frame' only wait). False once they are all done.
    bool keys(const Probe& probe, std::optional<KeyAction>& press);
    bool started() const { return m_started; }
    // The requested view is on screen for the first time: the clock and the counts start.
    void start(uint64_t inferences);
    // One frame of the requested view shown: false once --frames of them were.
    bool countFrame() { return ++m_shown < m_frames; }
    // Reached --frames (or failed and said so): shutdown prints no "stopped" line.
    void complete() { m_completed = true; }
    bool completed() const { return m_completed; }

    // A scripted step with a value (--keys model=FILE, input=WxH) failed: the run ends at once,
    // with this error and a non-zero exit (the first failure is kept).
    void stepFailed(const std::string& why) {
        if (m_failure.empty()) m_failure = why;
    }
    const std::string& failure() const { return m_failure; }
    // Set while a scripted step is applied: errors posted then are that step's failure.
    bool inStep = false;

    int framesShown() const { return m_shown; }
    double seconds() const;                               // since start()
    uint64_t inferencesAtStart() const { return m_inferStart; }
    int64_t inferencesAtIdle() const { return m_inferencesAtIdle; }  // -1: no 'idle' key
    // The error line for a run stopped before --frames; `outputs` are (option, path) pairs.
    std::string stoppedMessage(bool signalled, const std::vector<std::pair<std::string, std::string>>& outputs) const;

private:
    int m_frames = 0, m_shown = 0;
    std::vector<KeyAction> m_keys;
    bool m_started = false, m_completed = false;
    Clock::time_point m_start;
    uint64_t m_inferStart = 0;
    int64_t m_inferencesAtIdle = -1;
    std::string m_failure;
    uint64_t m_waitSeen = 0;  // 'frame': the history's count when the wait began
    // 'frame': since when no new frame could come, and the inference count then.
    std::optional<Clock::time_point> m_noFrameSince;
    uint64_t m_noFrameInferences = 0;
};

}  // namespace cnnscope::app
