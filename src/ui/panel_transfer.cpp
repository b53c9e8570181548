// The panel's Transfer section: Gatys style transfer of the frame on screen towards a style image.
#include "ui/panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstring>

namespace cnnscope::ui {

void transferSection(const PanelInfo& info, PanelInputs& in, PanelEvents& events) {
    if (!sectionHeader("Transfer", info.transfer.active)) return;
    const TransferInfo& t = info.transfer;
    char buf[1024];
    std::strncpy(buf, in.transferStyle.c_str(), sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    ImGui::SetNextItemWidth(-1);
    ImGui::InputText("##transferstyle", buf, sizeof buf);
    in.transferStyle = buf;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("style image (PNG, JPEG...): the frame on screen is optimised so that\nits Gram matrices approach this image's (Gatys et al.)");
    ImGui::SetNextItemWidth(120);
    ImGui::InputInt("iterations", &in.transferIterations, 10, 100);
    in.transferIterations = std::clamp(in.transferIterations, 1, 100000);
    if (!t.running) {
        if (ImGui::Button("Run on this frame")) events.push_back({PanelEvent::Kind::TransferStart, in.transferStyle, {}, double(in.transferIterations)});
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("pauses the source; the view shows the image as it changes");
    } else if (ImGui::Button("Stop")) {
        events.push_back({PanelEvent::Kind::TransferStop});
    }
    if (t.active) {
        ImGui::SameLine();
        if (ImGui::Button("Save PNG")) events.push_back({PanelEvent::Kind::TransferSave});
        ImGui::SameLine();
        if (ImGui::Button("Close")) events.push_back({PanelEvent::Kind::TransferStop, "close"});
    }
    if (!t.error.empty()) ImGui::TextColored(ImVec4(1.f, 0.35f, 0.3f, 1.f), "%s", t.error.c_str());
    if (!t.active) return;
    if (t.untrained) ImGui::TextColored(ImVec4(1.f, 0.75f, 0.2f, 1.f), "untrained VGG19: texture statistics only");
    ImGui::Text("iteration %d/%d at %dx%d, %.2f it/s", t.iteration, t.iterations, t.size.width, t.size.height, t.itPerSec);
    ImGui::Text("forward %.0f ms, backward %.0f ms", t.forwardMs, t.backwardMs);
    ImGui::Text("loss %.4g", t.total);
    ImGui::Text("content %.3g  style %.3g  tv %.3g", t.content, t.style, t.tv);
    if (!t.totals.empty()) {
        ImGui::SetNextItemWidth(-1);
        ImGui::PlotLines("##losscurve", t.totals.data(), int(t.totals.size()), 0, "total loss", FLT_MAX, FLT_MAX, ImVec2(0, 50));
    }
    for (size_t i = 0; i < t.gramDistance.size() && i < t.styleLayers.size(); ++i)
        ImGui::Text("Gram distance %-13s %.3f", t.styleLayers[i].c_str(), t.gramDistance[i]);
}

}  // namespace cnnscope::ui
