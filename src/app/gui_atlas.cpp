// The window's side of the atlas view (app/atlas_view): the toggle, one request a UI frame for the
// newest (or the scrubbed) frame through the job runner, and a click on a tile -> that channel.
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

Status Gui::ensureAtlasLayout() { return m_atlas.ensureLayout(m_pipeline->model(), m_pipelineGeneration); }

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
    if (!m_view.atlas || m_jobs.running("atlas") || m_atlas.retryLater()) return;
    // The newest live frame, or the history frame on screen.
    cv::Mat source = m_result.frame;
    uint64_t frameId = m_result.frameId;
    int64_t frameIndex = m_result.frameIndex;
    historySource(source, frameId, frameIndex);
    if (source.empty() || !ensureAtlasLayout()) return;
    auto request = m_atlas.request(*m_pipeline, source, frameId, frameIndex, m_view.norm);
    if (!request) return;
    m_jobs.run<AtlasJobResult>("atlas", std::move(request->work),
                               [this, generation = m_pipelineGeneration, frameId, normKey = request->normKey](AtlasJobResult& r) {
                                   if (generation != m_pipelineGeneration || !m_atlas.hasLayout()) return;
                                   if (auto st = m_atlas.apply(r, frameId, normKey); !st) post("atlas: " + st.error(), st);
                               });
}

void Gui::drawAtlas(const gfx::PixelRect& area, int fbHeight, bool live) {
    m_atlas.draw(area, fbHeight, live, m_view.colormap, m_view.norm.gamma);
}

void Gui::drawAtlasOverlay(ImDrawList* dl) {
    if (!m_view.atlas) return;
    if (const auto pick = m_atlas.drawOverlay(dl, m_opts.frames <= 0)) {
        m_view.atlas = false;
        m_view.mode = ViewMode::Single;
        m_view.channel = pick->channel;
        selectLayer(pick->layer);
    }
}

}  // namespace cnnscope::app::detail
