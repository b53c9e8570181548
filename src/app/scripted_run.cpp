// The scripted run's harness: keys, then N frames of the requested view.
#include "app/scripted_run.hpp"

namespace cnnscope::app {

void ScriptedRun::configure(int frames, std::vector<KeyAction> keys) {
    m_frames = frames;
    m_keys = std::move(keys);
}

bool ScriptedRun::keys(const Probe& probe, std::optional<KeyAction>& press) {
    press.reset();
    if (m_keys.empty()) return false;
    if (m_keys.front() == KeyAction::Idle) {
        // Wait until nothing is being computed for the view (the paused-frame prefetch included).
        if (probe.viewIdle()) {
            m_keys.erase(m_keys.begin());
            m_inferencesAtIdle = int64_t(probe.inferences());
        }
        return true;
    }
    if (m_keys.front() == KeyAction::WaitFrame) {
        // Wait for the next new frame's result (the history grows by one).
        if (m_waitSeen == 0) m_waitSeen = probe.historyPushed();
        if (probe.historyPushed() > m_waitSeen) {
            m_keys.erase(m_keys.begin());
            m_waitSeen = 0;
            m_noFrameSince.reset();
            return true;
        }
        // A wait that cannot end is an error, not a hang.
        const std::string why = probe.noNextFrame ? probe.noNextFrame() : std::string();
        const uint64_t inferences = probe.inferences();
        if (why.empty() || !m_noFrameSince || inferences != m_noFrameInferences) {
            m_noFrameSince = why.empty() ? std::nullopt : std::optional<Clock::time_point>(Clock::now());
            m_noFrameInferences = inferences;
        } else if (std::chrono::duration<double>(Clock::now() - *m_noFrameSince).count() > kNoFrameGrace) {
            stepFailed("frame: waits for the next frame, but none can come: " + why);
        }
        return true;
    }
    press = m_keys.front();  // one scripted key per frame, like a person typing
    m_keys.erase(m_keys.begin());
    return true;
}

void ScriptedRun::start(uint64_t inferences) {
    m_started = true;
    m_start = Clock::now();
    m_inferStart = inferences;
}

double ScriptedRun::seconds() const { return std::chrono::duration<double>(Clock::now() - m_start).count(); }

std::string ScriptedRun::stoppedMessage(bool signalled, const std::vector<std::pair<std::string, std::string>>& outputs) const {
    std::string unwritten;
    for (const auto& [opt, path] : outputs)
        if (!path.empty()) unwritten += (unwritten.empty() ? "" : " and ") + opt + " " + path;
    return "the scripted run was stopped (" + std::string(signalled ? "interrupted" : "window closed, q or Esc") + ") after " +
           std::to_string(m_shown) + " of " + std::to_string(m_frames) + " frames" +
           (unwritten.empty() ? std::string() : ": " + unwritten + " not written");
}

}  // namespace cnnscope::app
