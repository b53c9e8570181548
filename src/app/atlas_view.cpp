// The atlas view mode: every conv channel of the network for the newest frame in one zoomable,
// pannable view. The forward runs on the inference thread (Pipeline::computeLayers, between live
// frames) and the tiles are packed on a job thread, one request in flight, always for the newest
// frame (latest-wins); the main thread only uploads the packed maps and draws them with the shader.
#include "app/atlas_view.hpp"
#include "app/view_options.hpp"

#include "app/frame_stats.hpp"

#include <opencv2/core/utility.hpp>

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace cnnscope::app {

namespace {
constexpr double kMinZoom = 0.1, kMaxZoom = 32.0;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
}  // namespace

Status AtlasView::ensureLayout(const Model& model, uint64_t generation) {
    if (m_layout && m_layoutGeneration == generation) return {};
    const auto layers = atlasLayers(model.layers(), AtlasKind::Conv);
    if (layers.empty()) return Error{"the atlas needs conv layers with a (C,H,W) output; this model has none"};
    auto layout = AtlasLayout::build(layers, AtlasOptions());
    if (!layout) return Error{layout.error()};
    if (layout->tileCount() > 32767 || layout->packedSize().width > 32767 || layout->packedSize().height > 32767)
        return Error{"the atlas of this model is too large for the window (" + std::to_string(layout->tileCount()) + " tiles)"};
    m_layout = std::move(*layout);
    m_layoutGeneration = generation;
    m_renderer.setLayout(*m_layout);
    m_frameId = 0;
    m_fitted = false;
    return {};
}

std::optional<AtlasView::Request> AtlasView::request(Pipeline& pipeline, const cv::Mat& frame, uint64_t frameId, int64_t frameIndex,
                                                     const Normalization& norm) {
    if (!m_layout) return std::nullopt;
    std::string normKey = describe(norm);
    if (frameId == m_frameId && normKey == m_normKey) return std::nullopt;
    auto layout = std::make_shared<const AtlasLayout>(*m_layout);
    const auto started = Clock::now();
    auto future = std::make_shared<std::future<LayerActs>>(pipeline.computeLayers(frame.clone(), layout->layerNames()));
    Request r;
    r.frameId = frameId;
    r.normKey = std::move(normKey);
    r.work = [future, layout, norm, frameIndex, started](JobProgress&) {
        AtlasJobResult result;
        LayerActs acts = awaitLayers(*future);
        result.forwardMs = msSince(started);
        if (!acts) {
            result.status = Error{acts.error()};
            result.busy = acts.error().rfind("busy", 0) == 0;
            return result;
        }
        const auto t = Clock::now();
        result.frame.frameIndex = frameIndex;
        result.status = packAtlas(*acts, *layout, norm, result.frame);
        result.packMs = msSince(t);
        result.totalMs = msSince(started);
        return result;
    };
    return r;
}

Status AtlasView::apply(AtlasJobResult& r, uint64_t frameId, const std::string& normKey) {
    if (!r.status) {
        if (r.busy) {  // a sweep or the prefetch has the network: try again shortly
            m_retryAt = Clock::now() + std::chrono::milliseconds(50);
            return {};
        }
        m_frameId = frameId;
        m_normKey = normKey;
        return r.status;
    }
    const auto t = Clock::now();
    m_frame = std::move(r.frame);
    m_renderer.upload(m_frame);
    m_uploadMs = msSince(t);
    m_frameId = frameId;
    m_normKey = normKey;
    m_times.push_back(r.totalMs);
    if (m_times.size() > 2000) m_times.erase(m_times.begin(), m_times.begin() + 1000);
    m_forwardMs = r.forwardMs;
    m_packMs = r.packMs;
    ++m_frames;
    return {};
}

void AtlasView::draw(const gfx::PixelRect& area, int fbHeight, bool live, Colormap cmap, float gamma) {
    if (!m_layout) return;
    gfx::AtlasCamera cam = m_cam;
    const cv::Size cs = m_layout->canvasSize();
    if (!live || !m_fitted) {  // fit the canvas's width (offscreen renders always show the fitted view)
        cam = gfx::AtlasCamera{0, 0, std::clamp(double(area.w) / cs.width, kMinZoom, kMaxZoom)};
        if (live) {
            m_cam = cam;
            m_fitted = true;
        }
    }
    m_renderer.draw(area, fbHeight, cam, cmap, gamma);
    if (live) m_rect = area;
}

std::optional<AtlasView::Pick> AtlasView::drawOverlay(ImDrawList* dl, bool interactive) {
    if (!m_layout) return std::nullopt;
    const gfx::PixelRect& r = m_rect;
    if (!m_renderer.hasData()) {
        dl->AddText(ImVec2(float(r.x + 8), float(r.y + 8)), IM_COL32(200, 200, 200, 255), "computing the atlas...");
        return std::nullopt;
    }
    // Band labels on their strips (text is the only thing not drawn by the shader).
    dl->PushClipRect(ImVec2(float(r.x), float(r.y)), ImVec2(float(r.x + r.w), float(r.y + r.h)), true);
    const int lh = m_layout->options().labelHeight;
    for (const AtlasBand& b : m_layout->bands()) {
        const double y = (b.top - m_cam.offsetY) * m_cam.zoom;
        if (y + lh * m_cam.zoom < 0 || y > r.h || lh * m_cam.zoom < 8) continue;
        const std::string text = cv::format("%s  %d x %dx%d", b.name.c_str(), b.channels, b.mapH, b.mapW);
        const float x = float(r.x + std::max(2.0, (0 - m_cam.offsetX) * m_cam.zoom + 3));
        dl->AddText(ImVec2(x, float(r.y + y + std::max(0.0, (lh * m_cam.zoom - 13) / 2))), IM_COL32(255, 255, 255, 255), text.c_str());
    }
    dl->PopClipRect();
    ImGuiIO& io = ImGui::GetIO();
    if (!interactive || io.WantCaptureMouse || !r.contains(io.MousePos.x, io.MousePos.y)) return std::nullopt;
    const double px = io.MousePos.x - r.x, py = io.MousePos.y - r.y;
    if (io.MouseWheel != 0) m_cam.zoomAbout(px, py, std::pow(1.2, double(io.MouseWheel)), kMinZoom, kMaxZoom);
    if (ImGui::IsMouseDragging(0, 3.f)) {
        m_cam.offsetX -= io.MouseDelta.x / m_cam.zoom;
        m_cam.offsetY -= io.MouseDelta.y / m_cam.zoom;
        m_dragged = true;
    }
    const cv::Point c = m_cam.canvasAt(px, py);
    const AtlasTile t = m_layout->tileAt(c);
    if (t.valid()) {
        const cv::Point texel = m_layout->packedTexelAt(c);
        const AtlasBand& b = m_layout->bands()[size_t(t.band)];
        ImGui::SetTooltip("%s  channel %d  value %.4g (tile mean)\nclick: show this channel", b.name.c_str(), t.channel,
                          double(m_frame.packed.at<float>(texel.y, texel.x)));
    }
    std::optional<Pick> pick;
    if (ImGui::IsMouseReleased(0)) {
        if (!m_dragged && t.valid()) pick = Pick{m_layout->bands()[size_t(t.band)].name, t.channel};  // a click, not a drag's end
        m_dragged = false;
    }
    return pick;
}

std::string AtlasView::statsJson(bool shown) const {
    if (!m_layout) return "null";
    const cv::Size cs = m_layout->canvasSize(), ps = m_layout->packedSize();
    return cv::format("{\"shown\": %s, \"tiles\": %d, \"bands\": %zu, \"canvas\": [%d, %d], \"packed\": [%d, %d], \"upload_bytes\": %zu, "
                      "\"frames\": %llu, \"frame_index\": %lld, \"ms\": {\"p50\": %g, \"p95\": %g}, \"forward_ms\": %g, "
                      "\"pack_ms\": %g, \"upload_ms\": %g, \"rect\": {\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}, "
                      "\"offset\": [%g, %g], \"zoom\": %.17g}",
                      shown ? "true" : "false", m_layout->tileCount(), m_layout->bands().size(), cs.width, cs.height, ps.width,
                      ps.height, m_layout->uploadBytes(), (unsigned long long)m_frames, (long long)m_frame.frameIndex,
                      percentile(m_times, 50), percentile(m_times, 95), m_forwardMs, m_packMs, m_uploadMs, m_rect.x, m_rect.y, m_rect.w,
                      m_rect.h, m_cam.offsetX, m_cam.offsetY, m_cam.zoom);
}

// [SECTION] The view contract.

Status AtlasView::afterPipeline(const detail::ViewOptions& o, ViewContext& c) {
    if (!o.atlas) return {};
    if (auto st = ensureLayout(c.pipeline.model(), c.generation); !st) return Error{"--atlas: " + st.error()};
    return {};
}

bool AtlasView::onKey(KeyAction a, ViewContext& c) {
    if (a != KeyAction::ToggleAtlas) return false;
    if (!c.view.atlas)
        if (auto st = ensureLayout(c.pipeline.model(), c.generation); !st) {
            c.window.post(st.error(), ui::Message::Level::Error);
            return true;
        }
    c.view.atlas = !c.view.atlas;
    return true;
}

void AtlasView::tick(ViewContext& c) {
    if (!c.view.atlas || c.jobs.running("atlas") || retryLater()) return;
    // The newest live frame, or the history frame on screen.
    cv::Mat source = c.kept.valid ? c.kept.frame : c.result.frame;
    const uint64_t frameId = c.kept.valid ? c.kept.id : c.result.frameId;
    const int64_t frameIndex = c.kept.valid ? c.kept.index : c.result.frameIndex;
    if (source.empty() || !ensureLayout(c.pipeline.model(), c.generation)) return;
    auto asked = request(c.pipeline, source, frameId, frameIndex, c.view.norm);
    if (!asked) return;
    // Applied on the main thread by the job runner, unless the pipeline was rebuilt meanwhile.
    c.jobs.run<AtlasJobResult>("atlas", std::move(asked->work),
                               [this, window = &c.window, now = &c.generation, generation = c.generation, frameId,
                                normKey = asked->normKey](AtlasJobResult& r) {
                                   if (generation != *now || !hasLayout()) return;
                                   if (auto st = apply(r, frameId, normKey); !st) window->post("atlas: " + st.error(), ui::Message::Level::Error);
                               });
}

gfx::PixelRect AtlasView::draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) {
    draw(area, t.fbHeight, t.live, c.view.colormap, c.view.norm.gamma);
    // The atlas fills the canvas: its title is the caption strip's ("atlas: every conv channel"),
    // the bands carry the layer names.
    if (t.live) t.panes.push_back({"atlas", "atlas: every conv channel", {}, area, true});
    return {};
}

void AtlasView::overlay(ImDrawList* dl, ViewContext& c) {
    if (!c.view.atlas) return;
    if (const auto pick = drawOverlay(dl, !c.scripted)) {
        c.view.atlas = false;
        c.view.mode = ViewMode::Single;
        c.view.channel = pick->channel;
        c.window.selectLayer(pick->layer);
    }
}

bool AtlasView::showing(const ViewContext& c) const {
    if (c.view.atlas && !hasData()) return false;
    return !(c.view.atlas && c.kept.scrubbing && frameIndex() != c.kept.shownIndex);
}

}  // namespace cnnscope::app
