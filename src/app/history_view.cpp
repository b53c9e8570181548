// The history: the frames the network saw, kept within --history-mb (core/pipeline/history.hpp), and a
// timeline under the view (HistoryTimeline, history_timeline.hpp). Stepping back (or dragging the
// slider) pauses the stream and shows the kept frame in every view: its maps are recomputed on
// demand on the inference thread (Pipeline::computeLayers, one request in flight) and the atlas
// follows the same frame. Space goes back to the live stream. A range of the history (mark .. here)
// is written as a GIF of the view (app/history_gif.cpp).
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

namespace {
constexpr uint64_t kHistoryIdBit = uint64_t(1) << 63;  // frame ids of history frames (live ids are small)
}

// [SECTION] HistoryTimeline: the part's own state.

void HistoryTimeline::push(const InferenceResult& r) {
    if (m_pos >= 0 || r.frame.empty()) return;
    if (m_frames.size() > 0 && r.frameIndex == m_lastIndex) return;  // the same frame again (a layer change)
    if (m_epoch == Clock::time_point{}) m_epoch = r.captured;
    const double seconds = std::chrono::duration<double>(r.captured - m_epoch).count();
    m_frames.push(r.frame, r.frameIndex, seconds);
    m_lastIndex = r.frameIndex;
}

bool HistoryTimeline::source(cv::Mat& frame, uint64_t& id, int64_t& index) const {
    if (m_pos < 0) return false;
    auto f = m_frames.at(size_t(m_pos));
    if (!f) return false;
    frame = f->frame;
    index = f->index;
    id = kHistoryIdBit | uint64_t(f->index);
    return true;
}

KeptFrame HistoryTimeline::kept() const {
    KeptFrame k;
    k.scrubbing = m_pos >= 0;
    k.valid = source(k.frame, k.id, k.index);
    k.shownIndex = m_shownIndex;
    return k;
}

bool HistoryTimeline::seek(int64_t pos) {
    const int64_t n = int64_t(m_frames.size());
    if (n == 0) return false;
    const bool leaving = m_pos < 0;
    m_pos = std::clamp<int64_t>(pos, 0, n - 1);
    return leaving;
}

bool HistoryTimeline::step(int delta) { return seek((m_pos < 0 ? int64_t(m_frames.size()) - 1 : m_pos) + delta); }

bool HistoryTimeline::live() {
    if (m_pos < 0) return false;
    m_pos = -1;
    m_shown.clear();
    return true;
}

int64_t HistoryTimeline::here() const {
    cv::Mat frame;
    uint64_t id = 0;
    int64_t index = -1;
    return source(frame, id, index) ? index : m_frames.stats().lastIndex;
}

std::optional<std::pair<int64_t, int64_t>> HistoryTimeline::gifRange(std::string& warning) const {
    const HistoryStats s = m_frames.stats();
    if (s.frames == 0) return std::nullopt;
    const int64_t at = here();
    int64_t mark = m_mark >= 0 ? m_mark : s.firstIndex;
    if (mark < s.firstIndex) {  // the marked frame has left the history: say so, start at the oldest kept
        warning = cv::format("history GIF: the marked frame %lld is no longer kept (the history holds frames %lld-%lld within its "
                             "%zu MB); the GIF starts at frame %lld",
                             (long long)mark, (long long)s.firstIndex, (long long)s.lastIndex, s.budget >> 20, (long long)s.firstIndex);
        mark = s.firstIndex;
    }
    return std::make_pair(std::min(mark, at), std::max(mark, at));
}

std::string HistoryTimeline::due(const std::string& layer) const {
    cv::Mat frame;
    uint64_t id = 0;
    int64_t index = 0;
    if (!source(frame, id, index)) return {};
    const std::string key = std::to_string(index) + "/" + layer;
    return key == m_shown ? std::string() : key;
}

void HistoryTimeline::shown(int64_t index, const std::string& key) {
    m_shownIndex = index;
    m_shown = key;
}

bool HistoryTimeline::showing(const std::string& layer) const {
    if (m_pos < 0) return true;
    auto f = m_frames.at(size_t(m_pos));
    return !f || m_shown == std::to_string(f->index) + "/" + layer;
}

bool HistoryTimeline::captionFrame(double sourceFps, int64_t& index, double& seconds) const {
    if (m_pos < 0 || m_shownIndex < 0) return false;
    index = m_shownIndex;
    auto kept = m_frames.at(size_t(m_pos));
    seconds = sourceFps > 0 ? double(m_shownIndex) / sourceFps : kept && kept->index == m_shownIndex ? kept->seconds : 0.0;
    return true;
}

HistoryTimeline::Asked HistoryTimeline::draw(const gfx::PixelRect& area, int height) {
    const HistoryStats s = m_frames.stats();
    Asked asked;
    ImGui::SetNextWindowPos(ImVec2(float(area.x), float(area.y + area.h - height)));
    ImGui::SetNextWindowSize(ImVec2(float(area.w), float(height)));
    ImGui::Begin("##timeline", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing);
    const bool isLive = m_pos < 0;
    if (ImGui::Button(isLive ? "Live" : "Back to live")) asked.ask = Ask::Live;
    ImGui::SameLine();
    if (ImGui::ArrowButton("##back", ImGuiDir_Left)) asked.ask = Ask::Back;
    ImGui::SameLine();
    if (ImGui::ArrowButton("##fwd", ImGuiDir_Right)) asked.ask = Ask::Forward;
    ImGui::SameLine();
    int pos = isLive ? std::max(0, int(s.frames) - 1) : int(m_pos);
    ImGui::SetNextItemWidth(std::max(80.f, float(area.w) - 560.f));
    const std::string label = s.frames ? cv::format("frame %lld", (long long)(isLive ? s.lastIndex : m_shownIndex)) : "no frames yet";
    if (ImGui::SliderInt("##history", &pos, 0, std::max(0, int(s.frames) - 1), label.c_str()) && s.frames) asked = {Ask::Seek, pos};
    ImGui::SameLine();
    if (ImGui::Button("Mark")) asked.ask = Ask::Mark;
    ImGui::SameLine();
    if (ImGui::Button("GIF mark..here")) asked.ask = Ask::Gif;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("the view of each kept frame from the mark to here, recomputed, as a GIF");
    ImGui::SameLine();
    ImGui::Text("%zu frames, %.0f MB of", s.frames, double(s.bytes) / (1 << 20));
    ImGui::SameLine();
    int mb = int(s.budget >> 20);
    ImGui::SetNextItemWidth(90.f);
    if (ImGui::InputInt("MB##budget", &mb, 64, 256, ImGuiInputTextFlags_EnterReturnsTrue))
        m_frames.setBudget(size_t(std::clamp(mb, 16, 65536)) << 20);
    ImGui::End();
    return asked;
}

std::string HistoryTimeline::statsJson() const {
    const HistoryStats s = m_frames.stats();
    const double span = s.lastSeconds - s.firstSeconds;
    return cv::format("{\"frames\": %zu, \"bytes\": %zu, \"budget\": %zu, \"first_index\": %lld, \"last_index\": %lld, "
                      "\"seconds\": %g, \"bytes_per_second\": %g, \"position\": %lld, \"shown_index\": %lld, \"export\": %s}",
                      s.frames, s.bytes, s.budget, (long long)s.firstIndex, (long long)s.lastIndex, span,
                      s.frames > 1 && span > 0 ? double(s.bytes) * double(s.frames - 1) / double(s.frames) / span : 0.0,
                      (long long)m_pos, (long long)shownIndex(), gifJson.empty() ? "null" : gifJson.c_str());
}

// [SECTION] The window's side: what the timeline asks that only the window can do.

void Gui::historySeek(int64_t pos) {
    if (m_history.seek(pos)) m_pipeline->setPaused(true);
}

void Gui::historyStep(int delta) {
    if (m_history.step(delta)) m_pipeline->setPaused(true);
}

void Gui::historyLive() {
    if (!m_history.live()) return;
    m_maps.layerCache.clear();
    m_pipeline->setLayer(m_view.layer, true);  // the live frame's maps again
}

void Gui::historyTick() {
    historyGifTick();
    const std::string key = m_history.due(m_view.layer);
    if (key.empty() || m_jobs.running("history")) return;
    cv::Mat frame;
    uint64_t id = 0;
    int64_t index = 0;
    m_history.source(frame, id, index);
    const uint64_t generation = m_pipelineGeneration;
    const std::string layer = m_view.layer;
    auto future = std::make_shared<std::future<LayerActs>>(m_pipeline->computeLayers(frame, {layer}));
    m_jobs.run<LayerActs>(
        "history", [future](JobProgress&) { return awaitLayers(*future); },
        [this, frame, id, index, key, layer, generation](LayerActs& acts) {
            if (generation != m_pipelineGeneration || !m_history.scrubbing()) return;
            if (!acts) {
                if (acts.error().rfind("busy", 0) != 0) post("history: " + acts.error(), ui::Message::Level::Warning);
                return;  // busy: asked again at the next UI frame
            }
            m_maps.layerCache.clear();
            m_maps.frameId = id;  // prefetches of the live frame no longer apply
            m_history.shown(index, key);
            showMaps((*acts)[0], layer, frame);
        });
}

void Gui::exportHistoryMarkToHere() {
    std::string warning;
    const auto range = m_history.gifRange(warning);
    if (!warning.empty()) post(warning, ui::Message::Level::Warning);
    if (range) exportHistoryGif(range->first, range->second);
}

void Gui::drawTimeline(const gfx::PixelRect& area) {
    const HistoryTimeline::Asked a = m_history.draw(area, kTimelineHeight);
    switch (a.ask) {
        case HistoryTimeline::Ask::None: break;
        case HistoryTimeline::Ask::Live: historyLive(); break;
        case HistoryTimeline::Ask::Back: historyStep(-1); break;
        case HistoryTimeline::Ask::Forward: historyStep(1); break;
        case HistoryTimeline::Ask::Seek: historySeek(a.pos); break;
        case HistoryTimeline::Ask::Mark: m_history.mark(); break;
        case HistoryTimeline::Ask::Gif: exportHistoryMarkToHere(); break;
    }
}

}  // namespace cnnscope::app::detail
