// The panel's Unit section: back-projection of the selected unit (off, guided, deconv, grad), its
// top-9 frames, and what it wants to see (feature visualisation, with the layer's sheet).
#include "ui/panel.hpp"

#include <imgui.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

namespace cnnscope::ui {

void unitSection(const PanelInfo& info, PanelInputs& in) {
    if (!ImGui::CollapsingHeader("Unit", ImGuiTreeNodeFlags_DefaultOpen)) return;
    const char* modes[] = {"off", "guided", "deconv", "grad"};
    ImGui::SetNextItemWidth(-120);
    ImGui::Combo("back-projection", &in.backprop, modes, 4);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The selected channel carried back to the input (about one more forward per frame)");
    ImGui::Checkbox("top-9 of the channel", &in.topk);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The 9 strongest activations since the reset, with their receptive-field crops "
                          "(memory: channels x 9 x 64x64x3 bytes, 56.6 MB at 512 channels)");
    if (in.topk) {
        ImGui::SameLine();
        if (ImGui::SmallButton("reset")) in.topkReset = true;
        ImGui::SameLine();
        if (ImGui::SmallButton("export PNG")) in.topkExport = true;
    }
    ImGui::Checkbox("what the unit wants", &in.featvis);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Feature visualisation: the image that maximises the unit's mean activation (as `cnnscope featvis`), "
                          "optimised in the background for the selected channel or the grid tile the pointer rests on; "
                          "cached on disk, so a second look is instant");
    if (in.featvis) {
        const FeatvisInfo& f = info.featvis;
        // The usual sizes, and the one in use when --featvis-size (16..512) gave another.
        std::vector<int> sizes = {64, 96, 128, 192, 256};
        if (std::find(sizes.begin(), sizes.end(), in.featvisSize) == sizes.end())
            sizes.insert(std::upper_bound(sizes.begin(), sizes.end(), in.featvisSize), in.featvisSize);
        std::vector<std::string> names;
        for (int v : sizes) names.push_back(std::to_string(v));
        std::vector<const char*> sizeNames;
        for (const auto& n : names) sizeNames.push_back(n.c_str());
        int si = int(std::find(sizes.begin(), sizes.end(), in.featvisSize) - sizes.begin());
        ImGui::SetNextItemWidth(70);
        if (ImGui::Combo("size", &si, sizeNames.data(), int(sizeNames.size()))) in.featvisSize = sizes[size_t(si)];
        ImGui::SameLine();
        ImGui::SetNextItemWidth(100);
        ImGui::InputInt("steps", &in.featvisIterations, 64, 256);
        in.featvisIterations = std::clamp(in.featvisIterations, 1, 100000);
        ImGui::Checkbox("whole layer sheet", &in.featvisSheet);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("After the card's unit, every unit of the layer, filling in a sheet beside it");
        if (f.total > 0 && f.channel >= 0) {
            const float frac = f.done ? 1.f : float(f.step) / float(std::max(1, f.total));
            const std::string label = f.done ? (f.cached ? "cached" : "done")
                                             : cv::format("%d/%d, %.0f s left", f.step, f.total, f.msPerStep * (f.total - f.step) / 1e3);
            ImGui::ProgressBar(frac, ImVec2(-1, 0), label.c_str());
            if (ImGui::IsItemHovered() && !f.cacheDir.empty()) ImGui::SetTooltip("cached in %s", f.cacheDir.c_str());
            if (f.done)
                ImGui::TextWrapped("ch %d: mean activation %.3g on its image, %.3g on the frame", f.channel, f.activation, f.frameActivation);
            if (in.featvisSheet && f.sheetTotal > 0) ImGui::Text("sheet: %d of %d units", f.sheetDone, f.sheetTotal);
        }
        if (!f.error.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.f, 0.45f, 0.4f, 1.f));
            ImGui::TextWrapped("%s", f.error.c_str());
            ImGui::PopStyleColor();
        }
    }
    if (!in.unitStatus.empty()) ImGui::TextWrapped("%s", in.unitStatus.c_str());
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("hover a map pixel: its receptive field on the input frame");
    ImGui::PopStyleColor();
}

std::string applyFeatvisArgument(PanelInputs& in, const std::string& arg) {
    if (arg == "on" || arg == "off") {
        in.featvis = arg == "on";
        return {};
    }
    if (arg == "sheet" || arg == "nosheet") {
        in.featvisSheet = arg == "sheet";
        in.featvis = in.featvis || in.featvisSheet;
        return {};
    }
    char* end = nullptr;
    const long n = std::strtol(arg.c_str(), &end, 10);
    if (!arg.empty() && *end == '\0' && n >= 1 && n <= 100000) {
        in.featvisIterations = int(n);
        in.featvis = true;
        return {};
    }
    return "featvis=" + arg + ": use on, off, sheet (the whole layer too), nosheet, or N (steps per unit, 1..100000)";
}

}  // namespace cnnscope::ui
