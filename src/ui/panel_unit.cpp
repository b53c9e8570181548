// The panel's Unit section: back-projection of the selected unit (off, guided, deconv, grad).
#include "ui/panel.hpp"

#include <imgui.h>

namespace cnnscope::ui {

void unitSection(PanelInputs& in) {
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
    if (!in.unitStatus.empty()) ImGui::TextWrapped("%s", in.unitStatus.c_str());
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("hover a map pixel: its receptive field on the input frame");
    ImGui::PopStyleColor();
}

}  // namespace cnnscope::ui
