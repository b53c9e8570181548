// The panel's Unit section: back-projection of the selected unit (off, guided, deconv, grad).
#include "ui/panel.hpp"

#include <imgui.h>

namespace cnnscope::ui {

void unitSection(PanelInputs& in) {
    if (!ImGui::CollapsingHeader("Unit", ImGuiTreeNodeFlags_DefaultOpen)) return;
    const char* modes[] = {"off", "guided", "deconv", "grad"};
    ImGui::Combo("back-projection", &in.backprop, modes, 4);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The selected channel carried back to the input (about one more forward per frame)");
    if (!in.unitStatus.empty()) ImGui::TextWrapped("%s", in.unitStatus.c_str());
    ImGui::TextDisabled("hover a map pixel: its receptive field on the input frame");
}

}  // namespace cnnscope::ui
