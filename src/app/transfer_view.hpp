// Style transfer in the window: Gatys et al. on the frame on screen, stepped by TransferWorker off
// the UI thread. Its state (the worker, the newest snapshot, the style image, the error, counters)
// and logic; it holds no pointer to the window: the request, the view's layer, the frame counter
// and the message channel come as arguments.
#pragma once

#include "app/transfer_worker.hpp"
#include "app/view.hpp"
#include "core/base/expected.hpp"
#include "core/pipeline/pipeline.hpp"
#include "gfx/view_layout.hpp"
#include "ui/panel.hpp"

#include <functional>
#include <memory>
#include <string>

namespace cnnscope::app {

class TransferView : public View {
public:
    // The view contract (app/view.hpp): while a run is on, its image and maps are the view's.
    const char* name() const override { return "transfer"; }
    Status checkOptions(const detail::ViewOptions& o, bool scripted) override;  // --transfer, --transfer-size, --transfer-iterations
    bool supplyMaps(ViewContext& c) override;  // starts --transfer on the first frame; the newest snapshot on screen
    bool onPanelEvent(const ui::PanelEvent& e, ViewContext& c) override;
    void panel(ui::PanelInfo& info, const ViewContext& c) const override;
    std::string banner(const ViewContext& c) const override;
    std::string captionSuffix(const ViewContext& c) const override;
    const char* inputTitle(const ViewContext&) const override { return active() ? "Gatys transfer image (as it changes)" : nullptr; }
    std::string statsJson(const ViewContext& c) const override;
    bool computing(const ViewContext& c) const override { return scriptState(c, nullptr) == 0; }
    int scriptState(const ViewContext& c, std::string* error) const override;  // a scripted --transfer: finished, or failed

    // --transfer STYLE, --transfer-size WxH, --transfer-iterations N checked before the window opens.
    static Status checkOptions(const std::string& style, const std::string& size, int iterations);

    bool active() const { return m_worker != nullptr; }
    const TransferSnapshot& shot() const { return m_shot; }
    const std::string& error() const { return m_error; }

private:
    using Post = std::function<void(const std::string&, ui::Message::Level)>;
    // A run on the frame on screen (the pipeline pauses; the image shows beside its maps).
    Status start(ViewContext& c, const std::string& styleImage, int iterations);
    // A run of `r` (content, model, layer, iterations set) towards `styleImage`, at `size` (empty:
    // the default working size); a run in progress ends first. `framesRendered`: the window's count.
    Status start(TransferRequest r, const std::string& styleImage, cv::Size size, uint64_t framesRendered);
    void stop(bool close);  // close: the worker and its image go; else it publishes its last state
    void save(const std::string& label, const Post& post) const;  // the newest image as a dated PNG
    // Each UI frame: follows `layer`, takes the worker's newest snapshot (true when one came).
    bool update(const std::string& layer, uint64_t framesRendered, const Post& post);
    std::string bannerText(bool untrained) const;

    std::string m_scriptStyle, m_scriptSize;  // --transfer, --transfer-size (the scripted run waits for it)
    int m_scriptIterations = 100;
    std::unique_ptr<TransferWorker> m_worker;
    TransferSnapshot m_shot;
    uint64_t m_seen = 0, m_frames = 0;
    std::string m_style, m_error;
    bool m_autoStarted = false;
    Clock::time_point m_start;
    double m_uiFps = 0;  // UI frames per second while it ran
};

}  // namespace cnnscope::app
