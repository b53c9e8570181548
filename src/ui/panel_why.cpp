// The panel's Why section: what the network concludes (the top-5 through its classifier head,
// with bars; click a class to follow it), the class map's method, and which channels of the map's
// layer lead to the followed class (gradient x activation; click one to show it, tick it to zero
// it and see the predictions and the map change).
#include "ui/panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace cnnscope::ui {

namespace {

void errorText(const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.f, 0.35f, 0.3f, 1.f));
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
}

void topList(const WhyInfo& w, PanelInputs& in) {
    const float barW = std::max(60.f, ImGui::GetContentRegionAvail().x * 0.35f);
    for (const WhyInfo::Class& c : w.top) {
        ImGui::PushID(c.index);
        const bool followed = c.index == w.followed.index;
        ImGui::ProgressBar(float(std::clamp(c.probability, 0.0, 1.0)), ImVec2(barW, 0), "");
        ImGui::SameLine();
        char text[160];
        std::snprintf(text, sizeof text, "%5.1f%%  %s (%d)###cls", c.probability * 100, c.label.c_str(), c.index);  // the ID stays while the text changes
        if (ImGui::Selectable(text, followed)) in.whyClass = c.index;
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("follow this class: the map and the attribution are for it");
        ImGui::PopID();
    }
    if (w.following) {
        ImGui::Text("map for: %d %s", w.followed.index, w.followed.label.c_str());
        ImGui::SameLine();
        if (ImGui::SmallButton("follow top-1")) in.whyClass = -1;
    }
}

// The channels that are off and the way back, shown on an error too.
void ablatedLine(const WhyInfo& w, PanelInputs& in) {
    if (in.whyAblate.empty()) return;
    std::string list;
    for (int c : in.whyAblate) list += (list.empty() ? "" : ", ") + std::to_string(c);
    ImGui::TextWrapped("off: %s", list.c_str());
    if (!w.ablatedNote.empty()) ImGui::TextWrapped("%s", w.ablatedNote.c_str());
    if (ImGui::SmallButton("all on")) in.whyAblate.clear();
}

void channelList(const WhyInfo& w, PanelInputs& in, PanelEvents& events) {
    ImGui::Text("channels of %s for %s:", w.layer.c_str(), w.followed.label.c_str());
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("gradient x activation summed over positions: how much each channel adds to the class's logit\n"
                          "click a channel to show it; tick 'off' to zero it (the network runs again without it)");
    for (const WhyInfo::Channel& ch : w.channels) {
        ImGui::PushID(ch.channel);
        bool off = ch.ablated;
        if (ImGui::Checkbox("off", &off)) {
            auto& a = in.whyAblate;
            if (off) a.push_back(ch.channel);
            else a.erase(std::remove(a.begin(), a.end(), ch.channel), a.end());
            std::sort(a.begin(), a.end());
            a.erase(std::unique(a.begin(), a.end()), a.end());
        }
        ImGui::SameLine();
        char text[64];
        std::snprintf(text, sizeof text, "ch %d  %+.4g###ch", ch.channel, ch.attribution);
        if (ImGui::Selectable(text)) events.push_back({PanelEvent::Kind::WhyShowChannel, w.layer, {}, double(ch.channel)});
        ImGui::PopID();
    }
    ablatedLine(w, in);
}

}  // namespace

void whySection(const PanelInfo& info, PanelInputs& in, PanelEvents& events) {
    if (!sectionHeader("Why", in.why)) return;
    ImGui::Checkbox("classify and map", &in.why);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("the top-5 classes through the model's classifier head, the class map over the input frame\n"
                          "and the channels that lead there (one forward and one backward per frame, on its own thread)");
    if (!in.why) return;
    const WhyInfo& w = info.why;
    if (!w.error.empty()) errorText(w.error);
    if (w.noHead) {  // the with-top weights, in one click, as the untrained banner offers the notop ones
        if (info.download.running) {
            ImGui::TextWrapped("downloading %s", info.download.entry.c_str());
            downloadProgress(info, events);
        } else if (ImGui::Button("Download VGG19 with its head (548 MB)")) {
            events.push_back({PanelEvent::Kind::Download, "vgg19_keras_top"});
        }
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("vgg19_keras_top from models.yml (md5-checked) into your models folder;\n"
                              "the window loads it when it is done (its conv part is the notop VGG19's), the stream keeps running");
    }
    ImGui::SetNextItemWidth(-120);
    ImGui::Combo("class map", &in.whyMethod, kWhyMethods, kWhyMethodCount);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("gradcam: channels weighted by their mean gradient; gradcam++: the closed-form weights;\n"
                          "layercam: each position by its positive gradient; eigencam: the first principal component;\n"
                          "scorecam: each channel as a mask on the input, weighted by the class's score (one forward per channel);\n"
                          "occlusion: the score's drop with each patch of the input hidden (one forward per patch).\n"
                          "The last two build up on their frame with progress (pause, or a still image, to keep that frame)");
    ImGui::Checkbox("at the layer on screen", &in.whyAtShown);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("the map (and the attribution) at the layer the maps show, when it has a (C,H,W) map before the head;\n"
                          "else at the last convolution's output, where class maps are usually made");
    ImGui::SetNextItemWidth(-120);
    ImGui::SliderFloat("smoothing", &in.whySmooth, 0.f, 0.95f, "%.2f");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("the probabilities averaged over frames: new = s * old + (1 - s) * this frame's");
    ImGui::Checkbox("faithfulness", &in.whyFaith);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("the drop in the class's probability with the map's top 20%% of pixels blurred away,\n"
                          "against 20%% random pixels (two more forwards per frame)");
    if (!w.active) {
        ImGui::TextDisabled(w.error.empty() ? "computing..." : "");
        ablatedLine(w, in);
        return;
    }
    if (w.partial && w.total > 0) {
        const double left = w.done > 0 ? w.ms / 1000.0 * (w.total - w.done) / w.done : -1;
        char text[96];
        std::snprintf(text, sizeof text, "%d / %d forwards%s", w.done, w.total, left >= 0 ? cv::format(", %.0f s left", left).c_str() : "");
        ImGui::ProgressBar(float(w.done) / float(w.total), ImVec2(-1, 0), text);
    }
    if (!w.note.empty()) ImGui::TextDisabled("%s", w.note.c_str());
    topList(w, in);
    if (in.whySmooth > 0.f) ImGui::TextDisabled("probabilities averaged over frames; the map's title: this frame's");
    const std::string took = w.ms >= 10000 ? cv::format("%.1f s", w.ms / 1000) : cv::format("%.0f ms", w.ms);
    if (w.method == "occlusion") ImGui::Text("occlusion of the input's patches, %s", took.c_str());
    else ImGui::Text("%s at %s, %s", w.method.c_str(), w.layer.c_str(), took.c_str());
    if (w.faithTop >= 0 || w.faithRandom >= 0)
        ImGui::Text("faithfulness: top 20%% -%.3f, random -%.3f", w.faithTop, w.faithRandom);
    channelList(w, in, events);
}

}  // namespace cnnscope::ui
