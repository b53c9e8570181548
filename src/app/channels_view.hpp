// The Channels section's statistics, in the window: every channel of the layer on screen over the
// live frames seen (core/render/channel_stats, as the `channels` command), sorted or filtered as
// the panel says, constant (dead) channels flagged; a click in its table shows that channel. Takes
// nothing of the canvas: the panel and the stats JSON show it.
#pragma once

#include "app/view.hpp"
#include "core/render/channel_stats.hpp"

#include <string>
#include <vector>

namespace cnnscope::app {

class ChannelsView : public View {
public:
    const char* name() const override { return "channel_stats"; }
    Status afterPipeline(const detail::ViewOptions& o, ViewContext& c) override;
    void tick(ViewContext& c) override;
    bool onPanelEvent(const ui::PanelEvent& e, ViewContext& c) override;
    bool onScriptArgument(const std::string& name, const std::string& value, ViewContext& c) override;  // channels=
    void panel(ui::PanelInfo& info, const ViewContext& c) const override;
    std::string statsJson(const ViewContext& c) const override;

private:
    static std::string keyOf(const ViewContext& c);  // model, input size, layer: what the statistics are of
    std::vector<int> order(const ViewContext& c) const;

    ChannelHistory m_history;
    cv::Mat m_counted;                       // the maps last counted (held: a new result never reuses its buffer)
    std::vector<ChannelFrameStats> m_frame;  // scratch
    double m_ms = 0;                         // the last frame's statistics, on the UI thread
};

}  // namespace cnnscope::app
