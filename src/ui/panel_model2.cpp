// The panel's Second model section: load a network B beside A (file, models.yml name or
// 'untrained'), unload it, and how its layer was matched to A's with what it costs.
#include "ui/panel.hpp"

#include <imgui.h>

#include <cstring>

namespace cnnscope::ui {

void model2Section(const PanelInfo& info, PanelInputs& in, PanelEvents& events) {
    if (!sectionHeader("Second model", info.model2.active)) return;
    const Model2Info& m = info.model2;
    char buf[1024];
    std::strncpy(buf, in.model2Text.c_str(), sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    ImGui::SetNextItemWidth(-60);
    const bool entered = ImGui::InputText("##model2", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
    in.model2Text = buf;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("network B: a model file or models.yml name as for the model, or 'untrained';\n"
                          "the view shows A | B | A - B at the same layer (by name, else by position among conv layers)");
    ImGui::SameLine();
    if (ImGui::Button("Load##model2") || entered) events.push_back({PanelEvent::Kind::LoadModel2, in.model2Text});
    if (m.active) {
        if (ImGui::Button("Unload##model2")) events.push_back({PanelEvent::Kind::UnloadModel2});
        if (m.loading) {
            ImGui::TextDisabled("loading...");
        } else {
            ImGui::Text("B: %s", m.label.c_str());
            ImGui::TextWrapped("%s", m.source.c_str());
        }
    }
    if (!m.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.f, 0.35f, 0.3f, 1.f));
        ImGui::TextWrapped("%s", m.error.c_str());
        ImGui::PopStyleColor();
    }
    if (!m.active || m.loading || m.layerB.empty()) return;
    ImGui::TextWrapped("B's layer %s: %s", m.layerB.c_str(), m.note.c_str());
    ImGui::Text("B forward %.1f ms, max |A-B| %.4g", m.forwardMs, m.maxAbs);
    ImGui::TextDisabled("A - B on rdbu, symmetric around 0 per channel\n(per layer with the 'layer' normalisation)");
}

}  // namespace cnnscope::ui
