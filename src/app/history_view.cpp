// The history: the frames the network saw, kept within --history-mb (core/pipeline/history.hpp), and a
// timeline under the view. Stepping back (or dragging the slider) pauses the stream and shows the
// kept frame in every view: its maps are recomputed on demand on the inference thread
// (Pipeline::computeLayers, one request in flight) and the atlas follows the same frame. Space
// goes back to the live stream. A range of the history (mark .. here) is written as a GIF of the
// view (app/history_gif.cpp).
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

namespace {
constexpr uint64_t kHistoryIdBit = uint64_t(1) << 63;  // frame ids of history frames (live ids are small)
}

void Gui::historyPush() {
    if (m_historyPos >= 0 || m_result.frame.empty()) return;
    if (m_history.size() > 0 && m_result.frameIndex == m_historyLastIndex) return;  // the same frame again (a layer change)
    if (m_historyEpoch == Clock::time_point{}) m_historyEpoch = m_result.captured;
    const double seconds = std::chrono::duration<double>(m_result.captured - m_historyEpoch).count();
    m_history.push(m_result.frame, m_result.frameIndex, seconds);
    m_historyLastIndex = m_result.frameIndex;
}

bool Gui::historySource(cv::Mat& frame, uint64_t& id, int64_t& index) const {
    if (m_historyPos < 0) return false;
    auto f = m_history.at(size_t(m_historyPos));
    if (!f) return false;
    frame = f->frame;
    index = f->index;
    id = kHistoryIdBit | uint64_t(f->index);
    return true;
}

void Gui::historySeek(int64_t pos) {
    const int64_t n = int64_t(m_history.size());
    if (n == 0) return;
    if (m_historyPos < 0) m_pipeline->setPaused(true);
    m_historyPos = std::clamp<int64_t>(pos, 0, n - 1);
}

void Gui::historyStep(int delta) { historySeek((m_historyPos < 0 ? int64_t(m_history.size()) - 1 : m_historyPos) + delta); }

void Gui::historyLive() {
    if (m_historyPos < 0) return;
    m_historyPos = -1;
    m_historyShown.clear();
    m_layerCache.clear();
    m_pipeline->setLayer(m_view.layer, true);  // the live frame's maps again
}

void Gui::historyTick() {
    historyGifTick();
    cv::Mat frame;
    uint64_t id = 0;
    int64_t index = 0;
    if (!historySource(frame, id, index) || m_jobs.running("history")) return;
    const std::string key = std::to_string(index) + "/" + m_view.layer;
    if (key == m_historyShown) return;
    const uint64_t generation = m_pipelineGeneration;
    const std::string layer = m_view.layer;
    auto future = std::make_shared<std::future<LayerActs>>(m_pipeline->computeLayers(frame, {layer}));
    m_jobs.run<LayerActs>(
        "history", [future](JobProgress&) { return awaitLayers(*future); },
        [this, frame, id, index, key, layer, generation](LayerActs& acts) {
            if (generation != m_pipelineGeneration || m_historyPos < 0) return;
            if (!acts) {
                if (acts.error().rfind("busy", 0) != 0) post("history: " + acts.error(), ui::Message::Level::Warning);
                return;  // busy: asked again at the next UI frame
            }
            m_layerCache.clear();
            m_shownFrameId = id;  // prefetches of the live frame no longer apply
            m_act = std::move((*acts)[0]);
            m_shownLayer = layer;
            m_historyShownIndex = index;
            m_historyShown = key;
            refreshRanges();
            m_renderer.upload(m_act, m_ranges);
            m_renderer.uploadFrame(frame);
            m_shownFrame = frame;
        });
}

int64_t Gui::historyHere() const {
    // The kept frame the timeline points at (its maps may still be being computed), else the newest.
    cv::Mat frame;
    uint64_t id = 0;
    int64_t index = -1;
    return historySource(frame, id, index) ? index : m_history.stats().lastIndex;
}

void Gui::exportHistoryMarkToHere() {
    const HistoryStats s = m_history.stats();
    if (s.frames == 0) return;
    const int64_t here = historyHere();
    int64_t mark = m_historyMark >= 0 ? m_historyMark : s.firstIndex;
    if (mark < s.firstIndex) {  // the marked frame has left the history: say so, start at the oldest kept
        post(cv::format("history GIF: the marked frame %lld is no longer kept (the history holds frames %lld-%lld within its "
                        "%zu MB); the GIF starts at frame %lld",
                        (long long)mark, (long long)s.firstIndex, (long long)s.lastIndex, s.budget >> 20, (long long)s.firstIndex),
             ui::Message::Level::Warning);
        mark = s.firstIndex;
    }
    exportHistoryGif(std::min(mark, here), std::max(mark, here));
}

void Gui::historyMark() { m_historyMark = historyHere(); }

void Gui::drawTimeline(const gfx::PixelRect& area) {
    const HistoryStats s = m_history.stats();
    ImGui::SetNextWindowPos(ImVec2(float(area.x), float(area.y + area.h - kTimelineHeight)));
    ImGui::SetNextWindowSize(ImVec2(float(area.w), float(kTimelineHeight)));
    ImGui::Begin("##timeline", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing);
    const bool live = m_historyPos < 0;
    if (ImGui::Button(live ? "Live" : "Back to live")) historyLive();
    ImGui::SameLine();
    if (ImGui::ArrowButton("##back", ImGuiDir_Left)) historyStep(-1);
    ImGui::SameLine();
    if (ImGui::ArrowButton("##fwd", ImGuiDir_Right)) historyStep(1);
    ImGui::SameLine();
    int pos = live ? std::max(0, int(s.frames) - 1) : int(m_historyPos);
    ImGui::SetNextItemWidth(std::max(80.f, float(area.w) - 560.f));
    const std::string label = s.frames ? cv::format("frame %lld", (long long)(live ? s.lastIndex : m_historyShownIndex)) : "no frames yet";
    if (ImGui::SliderInt("##history", &pos, 0, std::max(0, int(s.frames) - 1), label.c_str()) && s.frames) historySeek(pos);
    ImGui::SameLine();
    if (ImGui::Button("Mark")) historyMark();
    ImGui::SameLine();
    if (ImGui::Button("GIF mark..here")) exportHistoryMarkToHere();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("the view of each kept frame from the mark to here, recomputed, as a GIF");
    ImGui::SameLine();
    ImGui::Text("%zu frames, %.0f MB of", s.frames, double(s.bytes) / (1 << 20));
    ImGui::SameLine();
    int mb = int(s.budget >> 20);
    ImGui::SetNextItemWidth(90.f);
    if (ImGui::InputInt("MB##budget", &mb, 64, 256, ImGuiInputTextFlags_EnterReturnsTrue))
        m_history.setBudget(size_t(std::clamp(mb, 16, 65536)) << 20);
    ImGui::End();
}

std::string Gui::historyStatsJson() const {
    const HistoryStats s = m_history.stats();
    const double span = s.lastSeconds - s.firstSeconds;
    return cv::format("{\"frames\": %zu, \"bytes\": %zu, \"budget\": %zu, \"first_index\": %lld, \"last_index\": %lld, "
                      "\"seconds\": %g, \"bytes_per_second\": %g, \"position\": %lld, \"shown_index\": %lld, \"export\": %s}",
                      s.frames, s.bytes, s.budget, (long long)s.firstIndex, (long long)s.lastIndex, span,
                      s.frames > 1 && span > 0 ? double(s.bytes) * double(s.frames - 1) / double(s.frames) / span : 0.0,
                      (long long)m_historyPos, (long long)(m_historyPos >= 0 ? m_historyShownIndex : -1),
                      m_historyGifJson.empty() ? "null" : m_historyGifJson.c_str());
}

}  // namespace cnnscope::app::detail
