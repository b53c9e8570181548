// Understanding one unit in the window: the back-projection of the selected channel beside the
// input frame (computed by UnitWorker on its own thread, latest-wins), the top-9 sheet of that
// channel, and the receptive field of the map pixel under the pointer outlined on the input frame,
// with the channel's strongest position marked.
#include "app/unit_view.hpp"

#include "app/draw_text.hpp"
#include "app/frame_stats.hpp"
#include "app/recorder.hpp"
#include "core/io/atomic_file.hpp"
#include "core/unit/receptive_field.hpp"

#include <imgui.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace cnnscope::app {

namespace {
constexpr ReluMode kModes[] = {ReluMode::Guided, ReluMode::Deconv, ReluMode::Grad};

int channels(const UnitView::Shown& s) { return !s.act || s.act->empty() ? 0 : s.act->size[1]; }
}  // namespace

bool UnitView::current(const Shown& s, int backprop, bool topk, bool live) const {
    if (topk && (!m_topk || m_topk->fed() == 0 || m_topkSheetSeq != m_topk->accumulator().sequence())) return false;
    if (backprop <= 0) return true;
    if (m_pending) return false;
    if (m_result.generation != s.generation) return false;  // from the model before the last change
    if (!m_result.error.empty()) return true;  // said in the messages; nothing more will come
    // Any frame's: on a playing video the back-projection may trail the maps by a frame or more.
    return (m_result.frameId == s.frameId || live) && m_result.layer == s.layer &&
           m_result.channel == std::clamp(s.channel, 0, std::max(0, channels(s) - 1)) && m_result.mode == kModes[backprop - 1];
}

void UnitView::take(uint64_t generation, const Post& post) {
    if (!m_worker) m_worker = std::make_unique<UnitWorker>();
    UnitResult r;
    if (m_worker->take(r) && r.generation == generation) {  // older models' results are dropped
        m_pending = false;
        if (!r.error.empty() && r.error != m_result.error) post(r.error, ui::Message::Level::Error);
        if (r.error.empty()) {
            m_renderer.uploadFrame(r.bgr);
            m_ms.push_back(r.totalMs);
            if (m_ms.size() > 2000) m_ms.erase(m_ms.begin(), m_ms.begin() + 1000);
        }
        m_result = std::move(r);
        m_result.bgr.release();
    }
}

void UnitView::request(const cv::Mat& frame, const Shown& s, int backprop, const std::function<session::CommonOptions()>& model) {
    const ReluMode mode = kModes[backprop - 1];
    const int channel = std::clamp(s.channel, 0, channels(s) - 1);
    if (s.frameId == m_asked.frameId && s.layer == m_asked.layer && channel == m_asked.channel && mode == m_asked.mode &&
        s.generation == m_asked.generation)
        return;
    UnitRequest req;
    req.frame = frame.clone();  // the pipeline reuses its buffers
    req.frameId = s.frameId;
    req.layer = s.layer;
    req.channel = channel;
    req.mode = mode;
    req.model = model();
    req.generation = s.generation;
    m_asked = req;
    m_asked.frame.release();
    m_pending = true;
    m_worker->submit(std::move(req));
}

gfx::PixelRect UnitView::drawColumn(const gfx::PixelRect& area, DrawTarget& t, const ViewContext& c) {
    // Stacked in the left half, top to bottom: input frame, back-projection, top-9 sheet, each
    // under its own title strip, top-aligned so that the title sits on it.
    const int backprop = c.inputs.backprop;
    gfx::ActivationRenderer* items[3] = {&c.maps, &m_renderer, &m_topkRenderer};
    const bool shown[3] = {c.view.showInput && c.maps.hasFrame(), backprop > 0 && m_renderer.hasFrame(),
                           c.inputs.topk && m_topkRenderer.hasFrame()};
    gfx::PixelRect* rects[3] = {&t.frameRect, &m_rect, &m_topkRect};
    if (t.live)
        for (auto* r : rects) *r = {};
    t.besideFrame = shown[0] || shown[1];  // a single map beside them takes the frame's shape
    const int n = int(shown[0]) + int(shown[1]) + int(shown[2]);
    if (n == 0) return area;
    constexpr int kGap = 8;
    const int half = area.w / 2;
    const gfx::PixelRect left{area.x, area.y, std::max(1, half - kGap), area.h};
    const std::string names[3] = {"input", "backprop", "topk"};
    const std::string titles[3] = {t.inputTitle, backpropTitle(backprop, m_result.channel),
                                   "top-9 frames of ch " + std::to_string(std::max(0, m_topkSheetChannel))};
    gfx::ActivationRenderer::Params fp;
    fp.mode = ViewMode::Frame;
    for (int i = 0, slot = 0; i < 3; ++i) {
        if (!shown[i]) continue;
        const int y0 = left.y + left.h * slot / n, y1 = left.y + left.h * (slot + 1) / n;
        ++slot;
        const gfx::TitledPane tp = gfx::titled({left.x, y0, left.w, std::max(1, y1 - y0 - kGap / 2)});
        gfx::PixelRect r = gfx::fitAspect(tp.content, items[i]->frameSize().width, items[i]->frameSize().height);
        r.y = tp.content.y;
        items[i]->draw(r, t.fbHeight, fp);
        if (t.live || i == 0) *rects[i] = r;
        t.panes.push_back({names[i], titles[i], {left.x, tp.title.y, left.w, tp.title.h}, r});
    }
    return {area.x + half, area.y, area.w - half, area.h};
}

std::string UnitView::backpropTitle(int backprop, int channel) {
    const char* names[] = {"off", "guided", "deconv", "grad"};
    return std::string("back-projection (") + names[std::clamp(backprop, 0, 3)] + ") of ch " + std::to_string(std::max(0, channel)) +
           ", grey = 0";
}

gfx::PixelRect UnitView::drawCompareColumn(const gfx::PixelRect& area, DrawTarget& t, int backprop) {
    // The compare layout's maps, hover and clicks are the stylised frame's, and so is the unit the
    // back-projection shows: a column left of original | stylised, level with their frames.
    gfx::PixelRect r{};
    if (backprop > 0 && m_renderer.hasFrame()) {
        constexpr int kLabel = 20, kGap = 10;
        const int w = area.w / 4;
        const cv::Size fs = m_renderer.frameSize();
        r = gfx::fitAspect({area.x, area.y + kLabel, w - kGap, area.h - kLabel}, fs.width, fs.height);
        r.y = area.y + kLabel;  // top-aligned with the frames row
        gfx::ActivationRenderer::Params fp;
        fp.mode = ViewMode::Frame;
        m_renderer.draw(r, t.fbHeight, fp);
    }
    if (t.live) {
        m_rect = r;
        m_topkRect = {};
        if (r.w > 0) t.panes.push_back({"backprop", compareLabel(backprop), {r.x, r.y - 17, r.w, 17}, r, true});
    } else {
        m_rectOffscreen = r;
    }
    if (r.w <= 0) return area;
    const int w = area.w / 4;
    return {area.x + w, area.y, area.w - w, area.h};
}

std::string UnitView::compareLabel(int backprop) {
    const char* names[] = {"off", "guided", "deconv", "grad"};
    return std::string("back-projection, ") + names[std::clamp(backprop, 0, 3)];
}

void UnitView::topkTick(ui::PanelInputs& inputs, const InferenceResult& result, const Pipeline& pipeline, const Shown& s,
                        const Post& post) {
    if (!m_topk) m_topk = std::make_unique<TopKFeeder>();
    TopKAccumulator& acc = m_topk->accumulator();
    if (inputs.topkReset || m_topkGeneration != s.generation) {  // asked, or another model or input size
        acc.reset();
        inputs.topkReset = false;
        m_topkGeneration = s.generation;
        m_topkFedFrame = 0;  // the frame on screen counts again
    }
    const auto& rows = pipeline.model().layers();
    if (result.frameId != m_topkFedFrame && result.layer == s.layer) {
        for (const LayerInfo& li : rows)
            if (li.name == s.layer) {
                TopKFrame f;
                f.act = result.act.clone();  // the pipeline reuses its buffers
                f.frame = result.frame.clone();
                f.layer = li;
                f.inputSize = pipeline.model().preprocessing().size;
                f.frameIndex = result.frameIndex;
                const double fps = pipeline.stats().sourceFps;
                f.seconds = fps > 0 ? double(result.frameIndex) / fps : 0;
                f.generation = s.generation;
                m_topk->feed(std::move(f));
                m_topkFedFrame = result.frameId;
            }
    }
    const int channel = std::clamp(s.channel, 0, channels(s) - 1);
    uint64_t seq = 0;
    if (acc.sequence() != m_topkSheetSeq || channel != m_topkSheetChannel) {
        const std::vector<TopKEntry> entries = acc.channel(channel, &seq);
        const TopKOptions& o = acc.options();
        m_topkSheet = renderTopKSheet(entries, o.k, o.thumbSide, s.layer + " ch " + std::to_string(channel));
        m_topkRenderer.uploadFrame(m_topkSheet);
        m_topkSheetSeq = seq;
        m_topkSheetChannel = channel;
    }
    if (inputs.topkExport) {
        inputs.topkExport = false;
        const std::string path = datedName("cnnscope-top9", "png");
        if (auto st = writeImageAtomic(path, m_topkSheet); st) post("top-9 sheet saved to " + path, ui::Message::Level::Info);
        else post(st.error(), ui::Message::Level::Error);
    }
    if (seq != 0)  // the sheet was refreshed
        inputs.unitStatus = cv::format("top-9: %lld frames, %.1f ms per frame; budget %.1f MB", (long long)acc.snapshot().framesSeen,
                                       m_topk->lastMs(), double(TopKAccumulator::budgetBytes(channels(s), acc.options())) / 1e6);
}

void UnitView::drawReceptiveField(ImDrawList* dl, const ViewContext& c) {
    m_hoverField = {};
    m_hoverPeak = {-1, -1};
    int ch = -1, tx = 0, ty = 0;
    if (!c.hovered(ch, tx, ty)) return;
    const std::vector<LayerInfo>& rows = c.pipeline.model().layers();
    const cv::Size fs = c.maps.frameSize();
    const Shown s = shown(c);
    const DrawTarget& pt = c.screen;
    size_t row = 0;
    while (row < rows.size() && rows[row].name != s.layer) ++row;
    if (row == rows.size() || fs.area() == 0) return;
    m_hoverField = receptiveField(rows, row, ty, tx, fs).frameClipped;
    const MapPeak peak = strongestPosition(*s.act, ch);
    m_hoverPeak = peak.pos;
    // The input frame: beside the maps, or under them in the overlay layout.
    const gfx::PixelRect& f = pt.frameRect.w > 0 ? pt.frameRect : pt.mapsRect;
    if (pt.frameRect.w <= 0 && c.view.mode != ViewMode::Overlay) return;
    auto sx = [&](double x) { return float(f.x + x * f.w / fs.width); };
    auto sy = [&](double y) { return float(f.y + y * f.h / fs.height); };
    const cv::Rect& r = m_hoverField;
    // The outline's inner edge on the field's first and last pixels' outer edges.
    dl->AddRect(ImVec2(sx(r.x) - 1, sy(r.y) - 1), ImVec2(sx(r.x + r.width) + 1, sy(r.y + r.height) + 1), IM_COL32(0, 255, 255, 255), 0, 0, 2);
    if (peak.pos.x >= 0) {
        const cv::Rect pf = receptiveField(rows, row, peak.pos.y, peak.pos.x, fs).frameClipped;
        const float cx = sx(pf.x + pf.width / 2.0), cy = sy(pf.y + pf.height / 2.0);
        dl->AddLine(ImVec2(cx - 7, cy), ImVec2(cx + 8, cy), IM_COL32(255, 0, 255, 255), 2);
        dl->AddLine(ImVec2(cx, cy - 7), ImVec2(cx, cy + 8), IM_COL32(255, 0, 255, 255), 2);
    }
}

std::string UnitView::statsJson(const ViewContext& c) const {
    const Shown s = shown(c);
    const int backprop = c.inputs.backprop;
    const DrawTarget& pt = c.screen;
    const char* names[] = {"off", "guided", "deconv", "grad"};
    int ch = -1, tx = -1, ty = -1;
    c.hovered(ch, tx, ty);
    return cv::format(
        "{\"backprop\": \"%s\", \"backprop_rect\": %s, \"frame_rect\": %s, \"backprop_ms\": {\"p50\": %g, \"forward\": %g, "
        "\"backward\": %g, \"samples\": %d}, \"backprop_frame_id\": %llu, \"shown_frame_id\": %llu, \"hover\": {\"channel\": %d, "
        "\"x\": %d, \"y\": %d, \"field\": [%d, %d, %d, %d], \"peak\": [%d, %d]}, \"topk_rect\": %s, \"topk_fed\": %llu, "
        "\"topk_ms\": %g, \"backprop_input\": [%d, %d], \"backprop_generation\": %llu, \"generation\": %llu, "
        "\"backprop_rect_offscreen\": %s}",
        names[std::clamp(backprop, 0, 3)], gfx::rectJson(m_rect).c_str(), gfx::rectJson(pt.frameRect).c_str(), percentile(m_ms, 50), m_result.forwardMs,
        m_result.backwardMs, int(m_ms.size()), (unsigned long long)m_result.frameId, (unsigned long long)s.frameId, ch, tx, ty,
        m_hoverField.x, m_hoverField.y, m_hoverField.width, m_hoverField.height, m_hoverPeak.x, m_hoverPeak.y, gfx::rectJson(m_topkRect).c_str(),
        (unsigned long long)(m_topk ? m_topk->fed() : 0), m_topk ? m_topk->lastMs() : 0.0, m_result.blobSize.width,
        m_result.blobSize.height, (unsigned long long)m_result.generation, (unsigned long long)s.generation,
        gfx::rectJson(m_rectOffscreen).c_str());
}

// [SECTION] The view contract.

bool UnitView::computing(const ViewContext& c) const {
    return !current(shown(c), c.inputs.backprop, c.inputs.topk, !(c.pipeline.paused() || c.pipeline.sourceIsStill()));
}

void UnitView::tick(ViewContext& c) {
    const Post post = [&c](const std::string& text, ui::Message::Level level) { c.window.post(text, level); };
    if (c.inputs.backprop > 0 && !c.act.empty() && !c.result.frame.empty()) {
        take(c.generation, post);
        // The frame whose maps are on screen: a kept frame while scrubbing the history (once its
        // maps are shown), else the newest result's (also for a layer shown from the paused frame's cache).
        const bool kept = c.kept.valid;
        const cv::Mat& frame = kept ? c.kept.frame : c.result.frame;
        const uint64_t frameId = kept ? c.kept.id : c.result.frameId;
        if (!(kept && c.kept.shownIndex != c.kept.index) && frameId == c.shownFrameId)
            request(frame, shown(c), c.inputs.backprop, [&c] { return c.window.workerModelOptions(); });
    }
    if (c.inputs.topk && !c.act.empty() && !c.result.frame.empty()) topkTick(c.inputs, c.result, c.pipeline, shown(c), post);
}

gfx::PixelRect UnitView::draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) {
    return c.comparing ? drawCompareColumn(area, t, c.inputs.backprop) : drawColumn(area, t, c);
}

void UnitView::overlay(ImDrawList* dl, ViewContext& c) {
    if (c.comparing && m_rect.w > 0)  // the compare layout's column label
        textIn(dl, {m_rect.x, m_rect.y - 17, m_rect.w, 17}, compareLabel(c.inputs.backprop), IM_COL32(255, 255, 255, 255), 1);
    drawReceptiveField(dl, c);
}

cv::Mat UnitView::burnLabels(const cv::Mat& pixels, const ViewContext& c) const {
    const gfx::PixelRect& u = m_rectOffscreen;
    if (!c.comparing || u.w <= 0) return pixels;
    cv::Mat out = pixels.clone();
    cv::putText(out, compareLabel(c.inputs.backprop), {u.x, std::max(12, u.y - 5)}, cv::FONT_HERSHEY_SIMPLEX, 0.4,
                cv::Scalar::all(235), 1, cv::LINE_AA);
    return out;
}

}  // namespace cnnscope::app
