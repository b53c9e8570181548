#include "app/channels_view.hpp"

#include "app/view_options.hpp"
#include "core/base/parse.hpp"

#include <algorithm>
#include <chrono>

namespace cnnscope::app {

namespace {
constexpr size_t kPanelRows = 64;  // the panel's table shows the first rows of the order
constexpr size_t kStatsRows = 16;  // and the stats JSON
}  // namespace

Status ChannelsView::afterPipeline(const detail::ViewOptions& o, ViewContext& c) {
    if (o.channelStats.empty()) return {};
    ChannelSort sort{};
    if (!parseChannelSort(o.channelStats, sort)) return Error{"--channel-stats " + o.channelStats + ": not an order"};  // checked at parse time
    c.inputs.channels = true;
    c.inputs.channelsReveal = true;
    c.inputs.channelsSort = int(sort);
    return {};
}

std::string ChannelsView::keyOf(const ViewContext& c) {
    // What the statistics are of: the pipeline (its generation: a model, input size or target
    // change rebuilds it), the source (another opened in the panel), the layer on screen.
    const cv::Size in = c.pipeline.model().preprocessing().size;
    return std::to_string(c.generation) + "|" + c.pipeline.model().label() + "|" + c.pipeline.model().source() + "|" +
           std::to_string(in.width) + "x" + std::to_string(in.height) + "|" + c.pipeline.sourceDescription() + "|" + c.shownLayer;
}

void ChannelsView::tick(ViewContext& c) {
    if (!c.inputs.channels) {
        if (m_history.frames() > 0 || !m_counted.empty()) {  // off: nothing kept, nothing reported
            m_history = ChannelHistory(m_history.window());
            m_counted.release();
        }
        return;
    }
    // The live maps on screen, each once: a pipeline result, or another layer of the frame on
    // screen from the paused or still frame's cache (no new result comes then). Not kept frames
    // while the history is scrubbed, nor a view's own maps (the transfer's).
    if (c.act.empty() || c.act.dims != 4 || c.mapsOwned || c.kept.scrubbing) return;
    // Back to live from the history: until the live result comes, the maps are still the kept
    // frame's (whose id has the history's bit), not c.result's.
    if (c.shownFrameId != c.result.frameId) return;
    if (c.act.data == m_counted.data && m_history.key() == keyOf(c)) return;
    if (!mapsOfModel(c.act, c.shownLayer, c.pipeline.model())) return;
    m_counted = c.act;
    const auto t0 = std::chrono::steady_clock::now();
    channelFrameStats(c.act, m_frame);
    m_history.reset(keyOf(c), int(m_frame.size()));
    m_history.add(c.result.frameId, c.result.frameIndex, m_frame);
    m_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

bool ChannelsView::onScriptArgument(const std::string& name, const std::string& value, ViewContext& c) {
    if (name != "channels") return false;
    if (const std::string e = ui::applyChannelsArgument(c.inputs, value); !e.empty()) c.window.post(e, ui::Message::Level::Error);
    return true;
}

bool ChannelsView::onPanelEvent(const ui::PanelEvent& e, ViewContext& c) {
    if (e.kind == ui::PanelEvent::Kind::ChannelsReset) {
        m_history = ChannelHistory(m_history.window());  // counted again from the next maps
        m_counted.release();
        return true;
    }
    if (e.kind != ui::PanelEvent::Kind::ChannelsShow) return false;
    if (e.text != c.shownLayer) return true;  // the table was of a layer no longer on screen
    const int C = c.act.empty() || c.act.dims != 4 ? 0 : c.act.size[1];
    const int ch = int(e.value);
    if (ch < 0 || ch >= C) return true;
    c.view.channel = ch;
    if (c.view.mode == ViewMode::Grid && !c.view.allChannels) c.view.page = ch / (c.view.tiles * c.view.tiles);  // its tile on screen
    return true;
}

std::vector<int> ChannelsView::order(const ViewContext& c) const {
    return m_history.order(ChannelSort(std::clamp(c.inputs.channelsSort, 0, int(channelSortNames().size()) - 1)), c.inputs.channelsHideConstant);
}

void ChannelsView::panel(ui::PanelInfo& info, const ViewContext& c) const {
    ui::ChannelsInfo& s = info.channelStats;
    s = {};
    s.layer = c.shownLayer;
    if (!c.inputs.channels || m_history.frames() == 0 || m_history.key() != keyOf(c)) return;
    s.frames = m_history.frames();
    s.channels = m_history.channels();
    const std::vector<int> o = order(c);
    s.shownRows = int(o.size());
    for (size_t i = 0; i < o.size() && i < kPanelRows; ++i) {
        const ChannelSummary x = m_history.summary(o[i]);
        s.rows.push_back({x.channel, x.mean, x.variation, x.active, x.max, x.min, x.constant});
    }
    s.constantCount = int(m_history.constantChannels().size());
    s.selected = std::clamp(c.view.channel, 0, s.channels - 1);
    s.series = m_history.series(s.selected);
}

std::string ChannelsView::statsJson(const ViewContext& c) const {
    const bool current = c.inputs.channels && m_history.frames() > 0 && m_history.key() == keyOf(c);
    std::string j = cv::format("{\"on\": %s, \"layer\": \"%s\", \"frames\": %d, \"channels\": %d, \"sort\": \"%s\", \"hide_constant\": %s, "
                               "\"ms\": %.3f, \"constant\": [",
                               c.inputs.channels ? "true" : "false", jsonEscape(c.shownLayer).c_str(), current ? m_history.frames() : 0,
                               current ? m_history.channels() : 0,
                               channelSortNames()[size_t(std::clamp(c.inputs.channelsSort, 0, int(channelSortNames().size()) - 1))].c_str(),
                               c.inputs.channelsHideConstant ? "true" : "false", m_ms);
    if (current) {
        const std::vector<int> k = m_history.constantChannels();
        for (size_t i = 0; i < k.size(); ++i) j += (i ? ", " : "") + std::to_string(k[i]);
    }
    j += "], \"series_frames\": [";
    if (current) {
        const std::vector<int64_t> f = m_history.seriesFrames();
        for (size_t i = 0; i < f.size(); ++i) j += (i ? ", " : "") + std::to_string(f[i]);
    }
    j += "], \"rows\": [";
    if (current) {
        const std::vector<int> o = order(c);
        for (size_t i = 0; i < o.size() && i < kStatsRows; ++i) {
            const ChannelSummary x = m_history.summary(o[i]);
            j += cv::format("%s{\"channel\": %d, \"mean\": %s, \"variation\": %s, \"min\": %s, \"max\": %s, \"active\": %s, \"constant\": %s}",
                            i ? ", " : "", x.channel, jsonNumber(x.mean).c_str(), jsonNumber(x.variation).c_str(), jsonNumber(x.min).c_str(),
                            jsonNumber(x.max).c_str(), jsonNumber(x.active).c_str(), x.constant ? "true" : "false");
        }
    }
    j += "]}";
    return j;
}

}  // namespace cnnscope::app
