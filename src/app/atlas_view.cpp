// The atlas view mode: every conv channel of the network for the newest frame in one zoomable,
// pannable view. The forward runs on the inference thread (Pipeline::computeLayers, between live
// frames) and the tiles are packed on a job thread, one request in flight, always for the newest
// frame (latest-wins); the main thread only uploads the packed maps and draws them with the shader.
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

namespace {
constexpr double kMinZoom = 0.1, kMaxZoom = 32.0;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
}  // namespace

Status Gui::ensureAtlasLayout() {
    if (m_atlasLayout && m_atlasLayoutGeneration == m_pipelineGeneration) return {};
    const auto layers = atlasLayers(m_pipeline->model().layers(), AtlasKind::Conv);
    if (layers.empty()) return Error{"the atlas needs conv layers with a (C,H,W) output; this model has none"};
    auto layout = AtlasLayout::build(layers, AtlasOptions());
    if (!layout) return Error{layout.error()};
    if (layout->tileCount() > 32767 || layout->packedSize().width > 32767 || layout->packedSize().height > 32767)
        return Error{"the atlas of this model is too large for the window (" + std::to_string(layout->tileCount()) + " tiles)"};
    m_atlasLayout = std::move(*layout);
    m_atlasLayoutGeneration = m_pipelineGeneration;
    m_atlasRenderer.setLayout(*m_atlasLayout);
    m_atlasFrameId = 0;
    m_atlasFitted = false;
    return {};
}

void Gui::toggleAtlas() {
    if (!m_view.atlas) {
        if (auto st = ensureAtlasLayout(); !st) {
            post(st.error(), st);
            return;
        }
    }
    m_view.atlas = !m_view.atlas;
}

void Gui::atlasTick() {
    if (!m_view.atlas || m_jobs.running("atlas") || Clock::now() < m_atlasRetryAt) return;
    // The newest live frame, or the history frame on screen.
    cv::Mat source = m_result.frame;
    uint64_t frameId = m_result.frameId;
    int64_t frameIndex = m_result.frameIndex;
    historySource(source, frameId, frameIndex);
    if (source.empty() || !ensureAtlasLayout()) return;
    const std::string normKey = describe(m_view.norm);
    if (frameId == m_atlasFrameId && normKey == m_atlasNormKey) return;
    const uint64_t generation = m_pipelineGeneration;
    auto layout = std::make_shared<const AtlasLayout>(*m_atlasLayout);
    const auto started = Clock::now();
    auto future = std::make_shared<std::future<LayerActs>>(m_pipeline->computeLayers(source.clone(), layout->layerNames()));
    m_jobs.run<AtlasJobResult>(
        "atlas",
        [future, layout, norm = m_view.norm, frameIndex, started](JobProgress&) {
            AtlasJobResult r;
            LayerActs acts = awaitLayers(*future);
            r.forwardMs = msSince(started);
            if (!acts) {
                r.status = Error{acts.error()};
                r.busy = acts.error().rfind("busy", 0) == 0;
                return r;
            }
            const auto t = Clock::now();
            r.frame.frameIndex = frameIndex;
            r.status = packAtlas(*acts, *layout, norm, r.frame);
            r.packMs = msSince(t);
            r.totalMs = msSince(started);
            return r;
        },
        [this, frameId, generation, normKey](AtlasJobResult& r) {
            if (generation != m_pipelineGeneration || !m_atlasLayout) return;
            if (!r.status) {
                if (r.busy) {  // a sweep or the prefetch has the network: try again shortly
                    m_atlasRetryAt = Clock::now() + std::chrono::milliseconds(50);
                    return;
                }
                post("atlas: " + r.status.error(), r.status);
                m_atlasFrameId = frameId;
                m_atlasNormKey = normKey;
                return;
            }
            const auto t = Clock::now();
            m_atlasFrame = std::move(r.frame);
            m_atlasRenderer.upload(m_atlasFrame);
            m_atlasUploadMs = msSince(t);
            m_atlasFrameId = frameId;
            m_atlasNormKey = normKey;
            m_atlasTimes.push_back(r.totalMs);
            if (m_atlasTimes.size() > 2000) m_atlasTimes.erase(m_atlasTimes.begin(), m_atlasTimes.begin() + 1000);
            m_atlasForwardMs = r.forwardMs;
            m_atlasPackMs = r.packMs;
            ++m_atlasFrames;
        });
}

void Gui::drawAtlas(const gfx::PixelRect& area, int fbHeight, bool live) {
    if (!m_atlasLayout) return;
    gfx::AtlasCamera cam = m_atlasCam;
    const cv::Size cs = m_atlasLayout->canvasSize();
    if (!live || !m_atlasFitted) {  // fit the canvas's width (offscreen renders always show the fitted view)
        cam = gfx::AtlasCamera{0, 0, std::clamp(double(area.w) / cs.width, kMinZoom, kMaxZoom)};
        if (live) {
            m_atlasCam = cam;
            m_atlasFitted = true;
        }
    }
    m_atlasRenderer.draw(area, fbHeight, cam, m_view.colormap, m_view.norm.gamma);
    if (live) m_atlasRect = area;
}

void Gui::drawAtlasOverlay(ImDrawList* dl) {
    if (!m_view.atlas || !m_atlasLayout) return;
    const gfx::PixelRect& r = m_atlasRect;
    if (!m_atlasRenderer.hasData()) {
        dl->AddText(ImVec2(float(r.x + 8), float(r.y + 8)), IM_COL32(200, 200, 200, 255), "computing the atlas...");
        return;
    }
    // Band labels on their strips (text is the only thing not drawn by the shader).
    dl->PushClipRect(ImVec2(float(r.x), float(r.y)), ImVec2(float(r.x + r.w), float(r.y + r.h)), true);
    const int lh = m_atlasLayout->options().labelHeight;
    for (const AtlasBand& b : m_atlasLayout->bands()) {
        const double y = (b.top - m_atlasCam.offsetY) * m_atlasCam.zoom;
        if (y + lh * m_atlasCam.zoom < 0 || y > r.h || lh * m_atlasCam.zoom < 8) continue;
        const std::string text = cv::format("%s  %d x %dx%d", b.name.c_str(), b.channels, b.mapH, b.mapW);
        const float x = float(r.x + std::max(2.0, (0 - m_atlasCam.offsetX) * m_atlasCam.zoom + 3));
        dl->AddText(ImVec2(x, float(r.y + y + std::max(0.0, (lh * m_atlasCam.zoom - 13) / 2))), IM_COL32(255, 255, 255, 255), text.c_str());
    }
    dl->PopClipRect();
    ImGuiIO& io = ImGui::GetIO();
    if (m_opts.frames > 0 || io.WantCaptureMouse || !r.contains(io.MousePos.x, io.MousePos.y)) return;
    const double px = io.MousePos.x - r.x, py = io.MousePos.y - r.y;
    if (io.MouseWheel != 0) m_atlasCam.zoomAbout(px, py, std::pow(1.2, double(io.MouseWheel)), kMinZoom, kMaxZoom);
    if (ImGui::IsMouseDragging(0, 3.f)) {
        m_atlasCam.offsetX -= io.MouseDelta.x / m_atlasCam.zoom;
        m_atlasCam.offsetY -= io.MouseDelta.y / m_atlasCam.zoom;
        m_atlasDragged = true;
    }
    const cv::Point c = m_atlasCam.canvasAt(px, py);
    const AtlasTile t = m_atlasLayout->tileAt(c);
    if (t.valid()) {
        const cv::Point texel = m_atlasLayout->packedTexelAt(c);
        const AtlasBand& b = m_atlasLayout->bands()[size_t(t.band)];
        ImGui::SetTooltip("%s  channel %d  value %.4g (tile mean)\nclick: show this channel", b.name.c_str(), t.channel,
                          double(m_atlasFrame.packed.at<float>(texel.y, texel.x)));
    }
    if (ImGui::IsMouseReleased(0)) {
        if (!m_atlasDragged && t.valid()) {  // a click, not the end of a drag: select that layer and channel
            m_view.atlas = false;
            m_view.mode = ViewMode::Single;
            m_view.channel = t.channel;
            selectLayer(m_atlasLayout->bands()[size_t(t.band)].name);
        }
        m_atlasDragged = false;
    }
}

std::string Gui::atlasStatsJson() const {
    if (!m_atlasLayout) return "null";
    const cv::Size cs = m_atlasLayout->canvasSize(), ps = m_atlasLayout->packedSize();
    return cv::format("{\"shown\": %s, \"tiles\": %d, \"bands\": %zu, \"canvas\": [%d, %d], \"packed\": [%d, %d], \"upload_bytes\": %zu, "
                      "\"frames\": %llu, \"frame_index\": %lld, \"ms\": {\"p50\": %g, \"p95\": %g}, \"forward_ms\": %g, "
                      "\"pack_ms\": %g, \"upload_ms\": %g, \"rect\": {\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}, "
                      "\"offset\": [%g, %g], \"zoom\": %.17g}",
                      m_view.atlas ? "true" : "false", m_atlasLayout->tileCount(), m_atlasLayout->bands().size(), cs.width, cs.height,
                      ps.width, ps.height, m_atlasLayout->uploadBytes(), (unsigned long long)m_atlasFrames,
                      (long long)m_atlasFrame.frameIndex, percentile(m_atlasTimes, 50), percentile(m_atlasTimes, 95), m_atlasForwardMs,
                      m_atlasPackMs, m_atlasUploadMs, m_atlasRect.x, m_atlasRect.y, m_atlasRect.w, m_atlasRect.h, m_atlasCam.offsetX,
                      m_atlasCam.offsetY, m_atlasCam.zoom);
}

}  // namespace cnnscope::app::detail
