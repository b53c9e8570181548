// The Channels section: the layer on screen's channels sorted or filtered by their statistics
// over the frames seen (mean, max, active fraction, variation over time), the constant (dead)
// ones flagged, a click shows one, and the selected channel's mean over the last frames.
#include "core/render/channel_stats.hpp"
#include "ui/panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace cnnscope::ui {

void channelsSection(const PanelInfo& info, PanelInputs& in, PanelEvents& events) {
    const bool open = sectionHeader("Channels", in.channels);
    if (in.channelsReveal && open) {  // below the fold at 1280x720: bring it into view once
        ImGui::SetScrollHereY(0.f);
        in.channelsReveal = false;
    }
    if (!open) return;
    ImGui::Checkbox("statistics over time", &in.channels);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Each channel of the layer on screen over the frames seen: its mean, max, the fraction of positions > 0\n"
                          "(active) and how much its mean varies from frame to frame (var: the standard deviation of its\n"
                          "per-frame means); constant channels (dead units) flagged.\n"
                          "The same numbers for files: cnnscope channels SOURCE --layer L");
    if (!in.channels) return;
    const auto& names = channelSortNames();
    std::vector<const char*> items;
    for (const auto& n : names) items.push_back(n.c_str());
    in.channelsSort = std::clamp(in.channelsSort, 0, int(items.size()) - 1);
    ImGui::SetNextItemWidth(110);
    ImGui::Combo("sort by", &in.channelsSort, items.data(), int(items.size()));
    ImGui::SameLine();
    ImGui::Checkbox("hide constant", &in.channelsHideConstant);
    const ChannelsInfo& s = info.channelStats;
    if (s.frames == 0) {
        ImGui::TextDisabled("waiting for a frame of %s", s.layer.empty() ? "the layer" : s.layer.c_str());
        return;
    }
    if (ImGui::SmallButton("reset")) events.push_back({PanelEvent::Kind::ChannelsReset});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Start the statistics over, from the maps on screen");
    ImGui::SameLine();
    ImGui::Text("%d frame%s, %d constant of %d", s.frames, s.frames == 1 ? "" : "s", s.constantCount, s.channels);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s, the layer on screen, over the live frames seen", s.layer.c_str());
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
    const float rowH = ImGui::GetTextLineHeightWithSpacing();
    if (ImGui::BeginTable("##channels", 6, flags, ImVec2(0, rowH * float(std::min<size_t>(s.rows.size(), 8) + 1) + 4))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("ch");
        ImGui::TableSetupColumn("mean");
        ImGui::TableSetupColumn("max");
        ImGui::TableSetupColumn("active");
        ImGui::TableSetupColumn("var");
        ImGui::TableSetupColumn("flag", ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableHeadersRow();
        for (const ChannelsInfo::Row& r : s.rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            char id[32];
            std::snprintf(id, sizeof id, "%d##chrow", r.channel);
            if (ImGui::Selectable(id, r.channel == s.selected, ImGuiSelectableFlags_SpanAllColumns))
                events.push_back({PanelEvent::Kind::ChannelsShow, s.layer, {}, double(r.channel)});
            ImGui::TableNextColumn();
            ImGui::Text("%.4g", r.mean);
            ImGui::TableNextColumn();
            ImGui::Text("%.4g", double(r.max));
            ImGui::TableNextColumn();
            ImGui::Text("%.0f%%", 100 * r.active);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", r.variation);
            ImGui::TableNextColumn();
            if (r.constant) ImGui::TextColored(ImVec4(1.f, 0.75f, 0.3f, 1.f), r.min == 0 ? "dead" : "const %.3g", double(r.min));
        }
        ImGui::EndTable();
    }
    if (s.shownRows > int(s.rows.size())) ImGui::TextDisabled("first %zu of %d (cnnscope channels for all)", s.rows.size(), s.shownRows);
    if (s.selected >= 0 && !s.series.empty()) {
        const auto [lo, hi] = std::minmax_element(s.series.begin(), s.series.end());
        char label[96];
        std::snprintf(label, sizeof label, "ch %d mean, last %zu frames: %.4g .. %.4g", s.selected, s.series.size(), double(*lo), double(*hi));
        ImGui::TextUnformatted(label);
        ImGui::PlotLines("##chseries", s.series.data(), int(s.series.size()), 0, nullptr, *lo, *hi == *lo ? *lo + 1 : *hi,
                         ImVec2(ImGui::GetContentRegionAvail().x, 40));
    }
}

std::string applyChannelsArgument(PanelInputs& in, const std::string& arg) {
    if (arg == "on" || arg == "off") {
        in.channelsReveal = arg == "on" && !in.channels;
        in.channels = arg == "on";
        return {};
    }
    if (arg == "hideconst" || arg == "showconst") {
        in.channelsHideConstant = arg == "hideconst";
        in.channelsReveal = in.channelsReveal || !in.channels;
        in.channels = true;
        return {};
    }
    ChannelSort sort{};
    if (parseChannelSort(arg, sort)) {
        in.channelsSort = int(sort);
        in.channelsReveal = in.channelsReveal || !in.channels;
        in.channels = true;
        return {};
    }
    return "channels=" + arg + ": use on, off, hideconst, showconst, or an order: " + channelSortList();
}

}  // namespace cnnscope::ui
