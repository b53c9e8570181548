// The control panel: source, model, layers, view, stats.
#include "ui/panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstring>

namespace cnnscope::ui {

namespace {
const ImVec4 kWarn(1.f, 0.75f, 0.2f, 1.f);
const ImVec4 kError(1.f, 0.35f, 0.3f, 1.f);

bool inputString(const char* label, std::string& s) {
    char buf[1024];
    std::strncpy(buf, s.c_str(), sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    const bool entered = ImGui::InputText(label, buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
    s = buf;
    return entered;
}

// Wrapped text whose over-long words (paths) are cut at the front with "..." rather than broken
// mid-word; the full text in a tooltip when anything was cut.
void textWrappedPaths(const std::string& text) {
    const float width = ImGui::GetContentRegionAvail().x;
    std::string out, word;
    bool cut = false;
    auto flush = [&] {
        if (word.empty()) return;
        if (ImGui::CalcTextSize(word.c_str()).x > width) {
            size_t from = 0;
            while (from < word.size() && ImGui::CalcTextSize(("..." + word.substr(from)).c_str()).x > width) ++from;
            word = "..." + word.substr(from);
            cut = true;
        }
        out += (out.empty() ? "" : " ") + word;
        word.clear();
    };
    for (char c : text) {
        if (c == ' ') flush();
        else word += c;
    }
    flush();
    ImGui::TextWrapped("%s", out.c_str());
    if (cut && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
}

void wrappedColoured(const ImVec4& colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    textWrappedPaths(text);
    ImGui::PopStyleColor();
}
}  // namespace

// Sections that are not in everyday use start collapsed, open when in use.
bool sectionHeader(const char* name, bool open) {
    if (open) ImGui::SetNextItemOpen(true, ImGuiCond_Once);
    return ImGui::CollapsingHeader(name);
}

namespace {
// [SECTION] One function per panel section, in the order they appear.

void sourceSection(const PanelInfo& info, PanelInputs& in, PanelEvents& events) {
    if (!ImGui::CollapsingHeader("Source", ImGuiTreeNodeFlags_DefaultOpen)) return;
    textWrappedPaths(info.sourceDescription);
    ImGui::TextDisabled("open a file, camera index, pipeline or URL:");
    ImGui::SetNextItemWidth(-60);
    if (inputString("##src", in.sourceText)) events.push_back({PanelEvent::Kind::OpenSource, in.sourceText});
    ImGui::SameLine();
    if (ImGui::Button("Open")) events.push_back({PanelEvent::Kind::OpenSource, in.sourceText});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("file path, camera index (0), GStreamer pipeline or URL");
    if (!info.still) {
        if (ImGui::Button(info.paused ? "Play" : "Pause")) events.push_back({PanelEvent::Kind::TogglePause});
        ImGui::SameLine();
        if (ImGui::Button("Step")) events.push_back({PanelEvent::Kind::Step});
        if (!info.live) {
            ImGui::SameLine();
            bool loop = info.loop;
            if (ImGui::Checkbox("Loop", &loop)) events.push_back({PanelEvent::Kind::ToggleLoop});
            int frame = int(info.frameIndex);  // the frame on screen, as the timeline and the caption say
            ImGui::SetNextItemWidth(-110);
            if (ImGui::InputInt("go to frame##seek", &frame, 1, 10, ImGuiInputTextFlags_EnterReturnsTrue)) events.push_back({PanelEvent::Kind::Seek, {}, {}, double(std::max(0, frame))});
            float speed = float(info.speed);
            ImGui::SetNextItemWidth(-1);
            if (ImGui::SliderFloat("##speed", &speed, 0.1f, 8.f, "speed %.2fx", ImGuiSliderFlags_Logarithmic)) events.push_back({PanelEvent::Kind::Speed, {}, {}, double(speed)});
        }
    }
}

void modelSection(const PanelInfo& info, PanelInputs& in, PanelEvents& events) {
    if (!ImGui::CollapsingHeader("Model", ImGuiTreeNodeFlags_DefaultOpen)) return;
    ImGui::Text("%s", info.modelLabel.c_str());
    textWrappedPaths(info.modelSource);
    ImGui::Text("input %dx%d, running on %s", info.inputSize.width, info.inputSize.height, info.target.c_str());
    if (!info.targetDevice.empty() && info.targetDevice != "CPU") ImGui::TextWrapped("device: %s", info.targetDevice.c_str());
    if (!info.targetCheck.empty()) ImGui::TextWrapped("%s", info.targetCheck.c_str());
    if (!info.targetNote.empty()) wrappedColoured(kWarn, info.targetNote);
    ImGui::TextDisabled("load a weights file or models.yml name:");
    ImGui::SetNextItemWidth(-60);
    if (inputString("##model", in.modelText)) events.push_back({PanelEvent::Kind::LoadModel, in.modelText});
    ImGui::SameLine();
    if (ImGui::Button("Load")) events.push_back({PanelEvent::Kind::LoadModel, in.modelText});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("weights file or models.yml name; empty: default search");
    ImGui::SetNextItemWidth(-70);
    if (ImGui::BeginCombo("target", info.target.c_str())) {
        for (const auto& t : info.targets)
            if (ImGui::Selectable(t.c_str(), t == info.target)) events.push_back({PanelEvent::Kind::Target, t});
        ImGui::EndCombo();
    }
    static const cv::Size kSizes[] = {{224, 224}, {320, 240}, {448, 448}, {640, 480}, {768, 576}};
    const std::string current = std::to_string(info.inputSize.width) + "x" + std::to_string(info.inputSize.height);
    ImGui::SetNextItemWidth(-70);
    if (ImGui::BeginCombo("input", current.c_str())) {
        for (const cv::Size& sz : kSizes) {
            const std::string label = std::to_string(sz.width) + "x" + std::to_string(sz.height);
            if (ImGui::Selectable(label.c_str(), sz == info.inputSize)) events.push_back({PanelEvent::Kind::InputSize, {}, sz});
        }
        ImGui::EndCombo();
    }
}

void styleSection(ViewState& v, const PanelInfo& info, PanelInputs& in, PanelEvents& events) {
    if (!sectionHeader("Style", !info.styleLabel.empty())) return;
    if (info.styleLabel.empty()) {
        ImGui::TextDisabled("off: frames go to the model as they are");
    } else {
        ImGui::Text("%s", info.styleLabel.c_str());
        ImGui::TextWrapped("%s", info.styleSource.c_str());
        ImGui::Text("runs at %dx%d, %.0f ms a frame", info.styleSize.width, info.styleSize.height, info.styleMs);
    }
    ImGui::SetNextItemWidth(-60);
    if (ImGui::BeginCombo("##stylepick", in.styleText.empty() ? "choose a style network" : in.styleText.c_str())) {
        for (size_t i = 0; i < info.styleNames.size(); ++i) {
            const std::string label = info.styleNames[i] + (info.styleHave[i] ? "" : "  (not fetched)");
            if (ImGui::Selectable(label.c_str(), info.styleNames[i] == in.styleText)) {
                in.styleText = info.styleNames[i];
                events.push_back({PanelEvent::Kind::LoadStyle, in.styleText});
            }
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    if (ImGui::Button(info.styleLabel.empty() ? "On" : "Off")) {
        if (info.styleLabel.empty()) events.push_back({PanelEvent::Kind::LoadStyle, in.styleText});
        else events.push_back({PanelEvent::Kind::StyleOff});
    }
    ImGui::SetNextItemWidth(-60);
    if (inputString("##stylepath", in.styleText)) events.push_back({PanelEvent::Kind::LoadStyle, in.styleText});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip(".t7 or .onnx fast-neural-style file, or a models.yml name;\ncnnscope fetch --styles gets the public ones");
    ImGui::SameLine();
    if (ImGui::Button("Load##style")) events.push_back({PanelEvent::Kind::LoadStyle, in.styleText});
    if (!info.styleLabel.empty()) {
        if (ImGui::Checkbox("compare original | stylised", &v.compare)) events.push_back({PanelEvent::Kind::CompareChanged});
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("both frames, their maps at this layer and channel,\nand both Gram matrices (what style transfer matches)");
        if (v.compare && info.gramDistance >= 0) ImGui::Text("Gram distance %.3f", info.gramDistance);
    }
}

void layersSection(const ViewState& v, const PanelInfo& info, PanelEvents& events) {
    if (!ImGui::CollapsingHeader("Layers", ImGuiTreeNodeFlags_DefaultOpen)) return;
    // A fifth of the window's height (7 rows at 720 px, 12 at 1100 px and up), so that the View
    // section below starts on screen at 1280x720; the selected layer is scrolled into view.
    static std::string shown;  // the layer last scrolled to (or seen on screen)
    const bool follow = shown != v.layer;
    const float height = std::clamp(ImGui::GetIO().DisplaySize.y * 0.2f, 120.f, 220.f);
    if (ImGui::BeginTable("layers", 3, ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV,
                          ImVec2(0, height))) {
        ImGui::TableSetupScrollFreeze(0, 1);  // the header stays while the rows scroll
        ImGui::TableSetupColumn("layer");
        ImGui::TableSetupColumn("shape");
        ImGui::TableSetupColumn("RF");
        ImGui::TableHeadersRow();
        for (size_t i = 0; i < info.layerNames.size(); ++i) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            const bool selected = info.layerNames[i] == v.layer;
            if (ImGui::Selectable(info.layerNames[i].c_str(), selected, ImGuiSelectableFlags_SpanAllColumns) && !selected) {
                events.push_back({PanelEvent::Kind::SelectLayer, info.layerNames[i]});
            }
            // A key or another section changed the layer: bring its row into view (a click in the
            // table leaves the rows where they are: the row is on screen already).
            if (selected && ((follow && !ImGui::IsItemVisible()) || ImGui::IsWindowAppearing())) ImGui::SetScrollHereY();
            if (selected) shown = v.layer;
            ImGui::TableSetColumnIndex(1);
            ImGui::TextUnformatted(info.layerShapes[i].c_str());
            ImGui::TableSetColumnIndex(2);
            ImGui::Text("%d", info.layerRf[i]);
        }
        ImGui::EndTable();
    }
}

void viewSection(ViewState& v, const PanelInfo& info, PanelEvents& events) {
    if (!ImGui::CollapsingHeader("View", ImGuiTreeNodeFlags_DefaultOpen)) return;
    int mode = int(v.mode);
    ImGui::RadioButton("grid", &mode, 0);
    ImGui::SameLine();
    ImGui::RadioButton("single", &mode, 1);
    ImGui::SameLine();
    ImGui::RadioButton("overlay", &mode, 2);
    v.mode = ViewMode(mode);
    const int maxChannel = std::max(0, info.channels - 1);
    ImGui::SetNextItemWidth(-70);
    ImGui::SliderInt("channel", &v.channel, 0, maxChannel);
    if (info.channels > 0) v.channel = std::clamp(v.channel, 0, maxChannel);
    if (v.mode == ViewMode::Grid) {
        ImGui::Checkbox("all channels", &v.allChannels);
        if (!v.allChannels) {
            ImGui::SetNextItemWidth(-70);
            ImGui::SliderInt("tiles", &v.tiles, 1, 16, "%d per side");
            const int per = v.tiles * v.tiles;
            const int pages = std::max(1, (info.channels + per - 1) / per);
            ImGui::SetNextItemWidth(-70);
            ImGui::SliderInt("page", &v.page, 0, pages - 1);
            if (info.channels > 0) v.page = std::clamp(v.page, 0, pages - 1);
        }
    }
    if (v.mode == ViewMode::Overlay) {
        ImGui::SetNextItemWidth(-70);
        ImGui::SliderFloat("opacity", &v.opacity, 0.f, 1.f);
    }
    ImGui::Checkbox("input frame beside", &v.showInput);
    ImGui::SameLine();
    ImGui::Checkbox("colorbar", &v.showColorbar);
    int cmap = int(v.colormap);
    const auto& names = colormapNames();
    ImGui::SetNextItemWidth(-70);
    if (ImGui::BeginCombo("colormap", names[size_t(cmap)].c_str())) {
        for (size_t i = 0; i < names.size(); ++i)
            if (ImGui::Selectable(names[i].c_str(), int(i) == cmap)) v.colormap = Colormap(i);
        ImGui::EndCombo();
    }
    const char* norms[] = {"channel min-max", "layer min-max", "fixed range", "percentile clip"};
    int norm = int(v.norm.mode);
    ImGui::SetNextItemWidth(-70);
    if (ImGui::Combo("normalise", &norm, norms, 4)) {
        v.norm.mode = NormMode(norm);
        events.push_back({PanelEvent::Kind::NormChanged});
    }
    if (v.norm.mode == NormMode::Fixed) {
        ImGui::SetNextItemWidth(-70);
        if (ImGui::DragFloatRange2("range", &v.norm.fixedLo, &v.norm.fixedHi, 0.1f)) events.push_back({PanelEvent::Kind::NormChanged});
    } else if (v.norm.mode == NormMode::Percentile) {
        ImGui::SetNextItemWidth(-70);
        if (ImGui::SliderFloat("percentile", &v.norm.percentile, 90.f, 100.f, "%.1f")) events.push_back({PanelEvent::Kind::NormChanged});
    }
    ImGui::SetNextItemWidth(-70);
    ImGui::SliderFloat("gamma", &v.norm.gamma, 0.2f, 5.f, "%.2f", ImGuiSliderFlags_Logarithmic);
    if (ImGui::Button("Screenshot (s)")) events.push_back({PanelEvent::Kind::Screenshot});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The view as on screen, with its caption and colorbar (PNG)");
    ImGui::SameLine();
    if (ImGui::Button("Bare (b)")) events.push_back({PanelEvent::Kind::SaveBareMaps});
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The maps without caption, in a new folder cnnscope-maps-DATE-TIME: LAYER.npy (every channel, float32,\n"
                          "(1, C, H, W)), LAYER-chK.png (the selected channel coloured as on screen, at the map's size) and\n"
                          "frame.png (the frame the network saw)");
    ImGui::SameLine();
    if (ImGui::Button("Help (h)")) v.showHelp = !v.showHelp;
}

void recordSection(const PanelInfo& info, PanelInputs& in, PanelEvents& events) {
    if (!ImGui::CollapsingHeader("Record", ImGuiTreeNodeFlags_DefaultOpen)) return;
    if (!info.recording) {
        ImGui::SetNextItemWidth(-1);
        inputString("##recpath", in.recordPath);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("out.gif, out.mp4 or a new folder for PNGs; empty: a dated .gif here");
        std::string sizes[kRecordSizeCount];
        for (int i = 0; i < kRecordSizeCount; ++i)
            sizes[i] = std::to_string(kRecordSizes[i].width) + "x" + std::to_string(kRecordSizes[i].height);
        ImGui::SetNextItemWidth(110);
        if (ImGui::BeginCombo("##recsize", sizes[in.recordSize].c_str())) {
            for (int i = 0; i < kRecordSizeCount; ++i)
                if (ImGui::Selectable(sizes[i].c_str(), i == in.recordSize)) in.recordSize = i;
            ImGui::EndCombo();
        }
        ImGui::SameLine();
        ImGui::SetNextItemWidth(90);
        ImGui::SliderFloat("##fps", &in.recordFps, 1.f, 30.f, "%.0f fps");
        ImGui::SameLine();
        ImGui::Checkbox("colorbar##rec", &in.recordColorbar);
        if (ImGui::Button("Record (r)")) events.push_back({PanelEvent::Kind::ToggleRecord});
    } else {
        ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.7f, 0.15f, 0.15f, 1.f));
        if (ImGui::Button("Stop (r)")) events.push_back({PanelEvent::Kind::ToggleRecord});
        ImGui::PopStyleColor();
        ImGui::SameLine();
        ImGui::TextColored(kError, "REC");
        ImGui::TextWrapped("%s", info.recordTarget.c_str());
    }
    if (!info.recordStatus.empty()) ImGui::TextWrapped("%s", info.recordStatus.c_str());
    if (ImGui::Button("Sweep channels")) events.push_back({PanelEvent::Kind::SweepChannels});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("a GIF through every channel of this layer on this frame");
    ImGui::SameLine();
    if (ImGui::Button("Sweep layers")) events.push_back({PanelEvent::Kind::SweepLayers});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("a GIF through every layer at this channel index");
    if (!info.sweepStatus.empty()) ImGui::TextWrapped("%s", info.sweepStatus.c_str());
}

void statsSection(const PanelInfo& info) {
    if (!ImGui::CollapsingHeader("Stats", ImGuiTreeNodeFlags_DefaultOpen)) return;
    ImGui::Text("capture   %6.1f fps", info.captureFps);
    ImGui::Text("inference %6.1f ms  %5.1f fps", info.inferMs, info.inferFps);
    ImGui::Text("render    %6.1f fps", info.renderFps);
    ImGui::Text("latency   p50 %.0f ms  p95 %.0f ms", info.latencyP50, info.latencyP95);
    ImGui::Text("dropped   %llu frames", (unsigned long long)info.dropped);
    ImGui::Text("memory    %.0f MB", info.rssMb);
}

void messagesSection(const PanelInfo& info) {
    // Last, so a short window shows the controls first; newest message first.
    if (!ImGui::CollapsingHeader("Messages", ImGuiTreeNodeFlags_DefaultOpen)) return;
    if (info.messages.empty()) ImGui::TextDisabled("none");
    for (auto it = info.messages.rbegin(); it != info.messages.rend(); ++it) {
        if (it->level == Message::Level::Info) ImGui::TextWrapped("%s", it->text.c_str());
        else wrappedColoured(it->level == Message::Level::Warning ? kWarn : kError, it->text);
    }
}

}  // namespace

void drawPanel(ViewState& v, PanelInputs& in, const PanelInfo& info, float width, float height, PanelEvents& events) {
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(width, height));
    ImGui::Begin("cnnscope", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    if (info.untrained) untrainedBanner(info, events);
    if (!info.sourceNote.empty()) wrappedColoured(kWarn, info.sourceNote);
    // In the order a user works: what to look at (source, model, layer, view), then the tools;
    // style, transfer, a second model and the convolution kernels lower, collapsed unless in use.
    sourceSection(info, in, events);
    modelSection(info, in, events);
    layersSection(v, info, events);
    viewSection(v, info, events);
    channelsSection(info, in, events);
    unitSection(info, in);
    whySection(info, in, events);
    recordSection(info, in, events);
    model2Section(info, in, events);
    styleSection(v, info, in, events);
    transferSection(info, in, events);
    convSection(info, events);
    statsSection(info);
    messagesSection(info);
    ImGui::End();
    clamp(v);
}

void drawHelp(bool* open, const std::vector<HelpRow>& rows) {
    // As wide as its longest row (no clipped column), at most the window; a scrollbar when taller.
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowSizeConstraints(ImVec2(200, 0), ImVec2(display.x - 20, display.y - 20));
    ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowBgAlpha(1.f);  // nothing shows through
    if (!ImGui::Begin("Keys and mouse (h closes)", open, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::End();
        return;
    }
    if (ImGui::BeginTable("##help", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
        for (const HelpRow& r : rows) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextUnformatted(r.keys.c_str());
            ImGui::TableSetColumnIndex(1);
            ImGui::TextUnformatted(r.help.c_str());
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

}  // namespace cnnscope::ui
