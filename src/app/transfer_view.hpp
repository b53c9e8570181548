// Style transfer in the window: Gatys et al. on the frame on screen, stepped by TransferWorker off
// the UI thread. Its state (the worker, the newest snapshot, the style image, the error, counters)
// and logic; it holds no pointer to the window: the request, the view's layer, the frame counter
// and the message channel come as arguments.
#pragma once

#include "app/transfer_worker.hpp"
#include "core/base/expected.hpp"
#include "core/pipeline/pipeline.hpp"
#include "gfx/view_layout.hpp"
#include "ui/panel.hpp"

#include <functional>
#include <memory>
#include <string>

namespace cnnscope::app {

class TransferView {
public:
    using Post = std::function<void(const std::string&, ui::Message::Level)>;

    // --transfer STYLE, --transfer-size WxH, --transfer-iterations N checked before the window opens.
    static Status checkOptions(const std::string& style, const std::string& size, int iterations);

    // A run of `r` (content, model, layer, iterations set) towards `styleImage`, at `size` (empty:
    // the default working size); a run in progress ends first. `framesRendered`: the window's count.
    Status start(TransferRequest r, const std::string& styleImage, cv::Size size, uint64_t framesRendered);
    void stop(bool close);  // close: the worker and its image go; else it publishes its last state
    void save(const std::string& label, const Post& post) const;  // the newest image as a dated PNG
    // Each UI frame: follows `layer`, takes the worker's newest snapshot (true when one came).
    bool update(const std::string& layer, uint64_t framesRendered, const Post& post);

    bool active() const { return m_worker != nullptr; }
    const TransferSnapshot& shot() const { return m_shot; }
    const std::string& error() const { return m_error; }
    void setError(const std::string& e) { m_error = e; }
    bool autoStarted() const { return m_autoStarted; }  // --transfer: started once, on the first frame
    void markAutoStarted() { m_autoStarted = true; }

    void info(ui::TransferInfo& info, bool untrained) const;
    std::string banner(bool untrained) const;
    std::string statsJson(const gfx::PixelRect& frameRect) const;  // a "transfer" line of the stats JSON

private:
    std::unique_ptr<TransferWorker> m_worker;
    TransferSnapshot m_shot;
    uint64_t m_seen = 0, m_frames = 0;
    std::string m_style, m_error;
    bool m_autoStarted = false;
    Clock::time_point m_start;
    double m_uiFps = 0;  // UI frames per second while it ran
};

}  // namespace cnnscope::app
