// Panel sections for the untrained banner (download offer, progress bar, cancel) and the
// convolution kernel (the choice, and what really runs on each conv layer).
#include "ui/panel.hpp"

#include <imgui.h>

namespace cnnscope::ui {

namespace {
const ImVec4 kWarn(1.f, 0.75f, 0.2f, 1.f);
}

void untrainedBanner(const PanelInfo& info, PanelEvents& events) {
    ImGui::TextColored(kWarn, "UNTRAINED weights: maps show structure,\nnot learned features");
    const PanelInfo::Download& d = info.download;
    if (!d.running) {
        if (ImGui::Button("Download VGG19 weights (80 MB)")) events.push_back({PanelEvent::Kind::Download});
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("the article's notop VGG19 (md5-checked) into your models folder;\nthe model reloads when it is done, the stream keeps running");
        return;
    }
    downloadProgress(info, events);
}

void downloadProgress(const PanelInfo& info, PanelEvents& events) {
    const PanelInfo::Download& d = info.download;
    // Unknown size: an indeterminate bar that moves with time.
    const float fraction = d.fraction >= 0 ? float(d.fraction) : float(-0.3 * ImGui::GetTime());
    ImGui::ProgressBar(fraction, ImVec2(-70, 0), d.fraction >= 0 ? nullptr : "downloading");
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) events.push_back({PanelEvent::Kind::CancelDownload});
    ImGui::TextWrapped("%s", d.detail.c_str());
}

void convSection(const PanelInfo& info, PanelEvents& events) {
    if (!sectionHeader("Convolution", false)) return;
    static const char* const kModes[] = {"auto", "winograd", "direct", "opencv"};
    ImGui::SetNextItemWidth(-70);
    if (ImGui::BeginCombo("kernel", info.convMode.c_str())) {
        for (const char* m : kModes)
            if (ImGui::Selectable(m, info.convMode == m) && info.convMode != m) events.push_back({PanelEvent::Kind::ConvMode, m});
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("CPU convolution: auto (oneDNN Winograd where it pays, direct otherwise),\nwinograd, direct (oneDNN) or opencv (OpenCV's own)");
    static const char* const kPrecisions[] = {"auto", "f32", "bf16"};
    ImGui::SetNextItemWidth(-70);
    if (ImGui::BeginCombo("precision", info.precision.c_str())) {
        for (const char* p : kPrecisions)
            if (ImGui::Selectable(p, info.precision == p) && info.precision != p) events.push_back({PanelEvent::Kind::Precision, p});
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("CPU executor precision: auto (bf16 with AMX-BF16, f32 elsewhere),\nf32, or bf16 (runs f32 on a CPU without bf16 units)");
    if (!info.precisionRan.empty()) ImGui::TextWrapped("runs on: %s", info.precisionRan.c_str());
    ImGui::TextWrapped("%s", info.convSummary.empty() ? "runs: (after the first frame)" : info.convSummary.c_str());
    if (info.convLayers.empty()) return;
    if (ImGui::TreeNode("per layer")) {
        for (const std::string& l : info.convLayers) ImGui::TextUnformatted(l.c_str());
        ImGui::TreePop();
    }
}

}  // namespace cnnscope::ui
