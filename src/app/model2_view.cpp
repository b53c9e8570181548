// Two networks side by side in the window: model B (`--model2`, the panel's Second model section)
// runs on its own thread (Model2Worker) on the frame on screen, at the layer matched to A's; the
// view shows A | B | A - B, the difference on the rdbu colormap with ranges symmetric around 0
// (per channel, or one over the layer with the 'layer' normalisation), as compare-models does.
#include "app/gui_impl.hpp"

#include "core/base/parse.hpp"

namespace cnnscope::app::detail {

namespace {
constexpr int kM2Gap = 10, kM2Label = 36;  // between the panes; room above each for its two label lines

std::string normKey(const Normalization& n) {
    return cv::format("%d %g %g %g", int(n.mode), double(n.fixedLo), double(n.fixedHi), double(n.percentile));
}

std::string rectJson(const gfx::PixelRect& r) {
    return cv::format("{\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}", r.x, r.y, r.w, r.h);
}
}  // namespace

session::CommonOptions Gui::model2Options(const std::string& spec) const {
    session::CommonOptions o = m_opts.common;
    const bool untrained = lower(spec) == "untrained";
    o.model = untrained ? std::string() : spec;
    o.untrained = untrained;
    o.config.clear();
    o.style.clear();
    o.styleSize.clear();
    o.quiet = true;
    return o;
}

Status Gui::startModel2(const Model& a) {
    if (m_opts.model2.empty()) return {};
    session::CommonOptions o = model2Options(m_opts.model2);
    o.quiet = m_opts.common.quiet;
    auto b = session::loadModel(o);
    if (!b) return Error{"--model2: " + model2LoadError(b.error())};
    if (auto m = matchLayer(a.layers(), m_view.layer, b->layers()); !m) return Error{"--model2: " + m.error()};
    m_model2 = std::make_unique<Model2Worker>();
    m_model2->adopt(std::make_unique<Model>(std::move(*b)), m_opts.model2);
    m_inputs.model2Text = m_opts.model2;
    return {};
}

void Gui::loadModel2(const std::string& spec) {
    if (spec.empty()) {
        post("second model: give a model file or models.yml name, or 'untrained'", ui::Message::Level::Error);
        return;
    }
    if (!m_model2) m_model2 = std::make_unique<Model2Worker>();
    session::CommonOptions o = model2Options(spec);
    o.target = m_pipeline->model().target().actual;  // where A runs now (the panel may have changed it)
    m_model2->load(std::move(o), spec);
    m_model2Result = Model2Result();
    post("second model: loading " + spec + "...");
}

void Gui::unloadModel2() {
    if (!m_model2) return;
    m_model2->unload();  // the worker drops it on its own thread; the UI does not wait
    m_model2Result = Model2Result();
    post("second model unloaded");
}

bool Gui::model2Shown() const {
    return m_model2 && m_model2State.loaded && !m_view.atlas && !comparing() && !m_transfer && m_renderer.hasActivations();
}

bool Gui::model2Current() const {
    if (!m_model2) return true;
    if (m_model2State.loading) return false;
    if (!m_model2State.loaded) return true;  // failed: said in the messages
    const Model2Result& r = m_model2Result;
    if (r.generation != m_model2State.generation) return false;
    if (!r.error.empty()) return r.match.layerA == m_shownLayer;
    return r.match.layerA == m_shownLayer &&
           (r.frameId == m_shownFrameId || !(m_pipeline->paused() || m_pipeline->sourceIsStill()));
}

void Gui::uploadModel2(bool maps) {
    Model2Result& r = m_model2Result;
    if (r.actB.empty() || !m_model2Panes) return;
    if (!r.rangesA.empty() && normKey(r.norm) == normKey(m_view.norm)) {  // taken on the worker thread
        m_model2Ranges[0].swap(r.rangesA);
        m_model2Ranges[1].swap(r.rangesB);
        r.rangesA.clear();  // used: a later normalisation change computes them here
        r.rangesB.clear();
    } else {  // the normalisation changed since the request
        channelRanges(r.actA, m_view.norm, m_model2Ranges[0], m_rangeScratch);
        channelRanges(r.actB, m_view.norm, m_model2Ranges[1], m_rangeScratch);
    }
    m_model2Ranges[2] = r.diffRanges;
    if (m_view.norm.mode == NormMode::Layer)  // one M over the layer, as compare-models --normalize layer
        for (Range& x : m_model2Ranges[2]) x = r.maxAbs > 0 ? Range{-r.maxAbs, r.maxAbs} : Range{-1.f, 1.f};
    gfx::ActivationRenderer* panes[3] = {&m_model2Panes->a, &m_model2Panes->b, &m_model2Panes->diff};
    const cv::Mat* acts[3] = {&r.actA, &r.actB, &r.diff};
    for (int i = 0; i < 3; ++i) {
        if (maps) panes[i]->upload(*acts[i], m_model2Ranges[i]);
        else panes[i]->uploadRanges(m_model2Ranges[i]);
    }
    m_model2NormKey = normKey(m_view.norm);
}

void Gui::takeModel2Result() {
    Model2Result r;
    if (!m_model2->take(r) || r.generation != m_model2State.generation) return;
    if (!r.error.empty()) {
        if (r.error != m_model2Result.error) post("second model: " + r.error, ui::Message::Level::Error);
        m_model2Result = std::move(r);
        return;
    }
    if (!m_model2Panes) {
        m_model2Panes = std::make_unique<Model2Panes>();
        std::string error;
        if (!m_model2Panes->a.init(&error) || !m_model2Panes->b.init(&error) || !m_model2Panes->diff.init(&error)) {
            post("second model: " + error, ui::Message::Level::Error);
            m_model2Panes.reset();
            return;
        }
    }
    if (!m_model2Result.actA.empty()) m_model2Spare = std::move(m_model2Result.actA);  // its maps are on the GPU now
    m_model2Ms.push_back(r.forwardMs);
    if (m_model2Ms.size() > 2000) m_model2Ms.erase(m_model2Ms.begin(), m_model2Ms.begin() + 1000);
    m_model2Result = std::move(r);
    uploadModel2(true);
}

void Gui::model2Tick() {
    if (!m_model2) return;
    const Model2State st = m_model2->state();
    if (!st.loading && st.generation != m_model2Announced && (st.loaded || !st.error.empty())) {  // a load has ended
        m_model2Announced = st.generation;
        if (st.loaded) post("second model: " + st.label + " (" + st.source + ")");
        else post("second model: " + st.error, ui::Message::Level::Error);
        for (const auto& w : st.warnings) post("second model: " + w, ui::Message::Level::Warning);
    }
    m_model2State = st;
    takeModel2Result();
    if (m_model2Panes && normKey(m_view.norm) != m_model2NormKey) uploadModel2(false);
    if (!st.loaded || m_act.empty() || m_transfer || m_shownLayer.empty()) return;
    // The frame whose maps are on screen: live, or a kept frame while scrubbing the history.
    cv::Mat frame;
    uint64_t id = 0;
    int64_t index = 0;
    if (!historySource(frame, id, index) || id != m_shownFrameId) {
        if (m_historyPos >= 0 || m_result.frameId != m_shownFrameId) return;  // the maps on screen are being replaced
        frame = m_result.frame;
        index = m_result.frameIndex;
    }
    const cv::Size size = m_pipeline->model().preprocessing().size;
    // Right after a model, size or target change the maps on screen may still be the old model's
    // (and a new pipeline numbers its frames from 1 again): wait for maps of A's current shape.
    const LayerInfo* shown = m_pipeline->model().find(m_shownLayer);
    if (!shown || m_act.dims != 4 || m_act.size[1] != shown->shape[0] || m_act.size[2] != shown->shape[1] ||
        m_act.size[3] != shown->shape[2])
        return;
    if (m_shownFrameId == m_model2Asked.frameId && m_shownLayer == m_model2Asked.layerA && st.generation == m_model2Asked.generation &&
        size == m_model2Asked.inputSize)
        return;
    Model2Request req;
    req.frame = frame.clone();  // the pipeline reuses its buffers
    m_act.copyTo(m_model2Spare);  // into the last result's buffer: at 640x480 a fresh block1 copy costs ~40 ms, a reused one ~6
    req.actA = std::move(m_model2Spare);
    req.layersA = std::make_shared<const std::vector<LayerInfo>>(m_pipeline->model().layers());
    req.layerA = m_shownLayer;
    req.frameId = m_shownFrameId;
    req.frameIndex = index;
    req.inputSize = size;
    req.norm = m_view.norm;
    req.generation = st.generation;
    m_model2Asked = Model2Request();
    m_model2Asked.frameId = req.frameId;
    m_model2Asked.layerA = req.layerA;
    m_model2Asked.inputSize = size;
    m_model2Asked.generation = st.generation;
    m_model2->submit(std::move(req));
}

void Gui::drawModel2(const gfx::PixelRect& area, int fbH, bool live) {
    // Live, the colorbar's backdrop reaches a few pixels into the view's right edge: keep clear of it.
    const int right = live && m_view.showColorbar ? 8 : 0;
    const int colW = std::max(1, (area.w - right - 2 * kM2Gap) / 3);
    const bool current = m_model2Panes && m_model2Result.error.empty() && !m_model2Result.actB.empty();
    // A's pane shows the maps B was compared with (the same frame), the live ones until B answers.
    gfx::ActivationRenderer* panes[3] = {current ? &m_model2Panes->a : &m_renderer, current ? &m_model2Panes->b : nullptr,
                                         current ? &m_model2Panes->diff : nullptr};
    gfx::PixelRect* rects = live ? m_model2Rects : m_model2RectsOffscreen;
    for (int i = 0; i < 3; ++i) {
        rects[i] = {};
        const gfx::PixelRect pane{area.x + i * (colW + kM2Gap), area.y + kM2Label, colW, std::max(1, area.h - kM2Label)};
        if (i == 1 && !panes[i])  // where B's maps will be: its label says why they are not (computing, or B's error)
            rects[i] = {rects[0].x + colW + kM2Gap, rects[0].y, rects[0].w, rects[0].h};
        if (!panes[i] || !panes[i]->hasActivations()) continue;
        gfx::ActivationRenderer::Params p = gfx::viewParams(m_view, *panes[i], pane, rects[i]);
        if (p.mode == ViewMode::Overlay) {  // side by side: no frame under the maps
            p.mode = ViewMode::Single;
            rects[i] = gfx::fitAspect(pane, panes[i]->mapSize().width, panes[i]->mapSize().height);
        }
        if (i == 2) {
            p.colormap = Colormap::Rdbu;
            p.gamma = 1.f;  // t = (d + M) / 2M exactly: zero is the middle colour
        }
        panes[i]->draw(rects[i], fbH, p);
        if (live && i == 0) {  // hover, clicks and the highlight follow A's pane
            m_mapsRect = rects[i];
            m_grid = p.grid;
        }
    }
}

std::array<std::string, 2> Gui::model2Label(int pane) const {
    const Model2Result& r = m_model2Result;
    switch (pane) {
        case 0: return {"A: " + m_pipeline->model().label(), r.actB.empty() ? m_shownLayer : r.match.layerA};
        case 1:
            if (r.actB.empty()) return {"B: " + m_model2State.label, r.error.empty() ? "computing..." : r.error};
            return {"B: " + m_model2State.label, r.match.layerB + (r.match.byPosition ? " matched by position" : " matched by name")};
        default:
            if (r.actB.empty()) return {};
            return {cv::format("A - B (rdbu, symmetric per %s)", m_view.norm.mode == NormMode::Layer ? "layer" : "channel"),
                    cv::format("max |A-B| %.4g, frame %lld", double(r.maxAbs), (long long)r.frameIndex)};
    }
}

void Gui::drawModel2Labels(ImDrawList* dl) {
    if (!model2Shown()) return;
    for (int i = 0; i < 3; ++i) {
        const gfx::PixelRect& r = m_model2Rects[i];
        const auto text = model2Label(i);
        if (r.w <= 0) continue;
        dl->PushClipRect(ImVec2(float(r.x), float(r.y - kM2Label)), ImVec2(float(r.x + r.w), float(r.y)), true);
        dl->AddText(ImVec2(float(r.x), float(r.y - 34)), IM_COL32(255, 255, 255, 255), text[0].c_str());
        dl->AddText(ImVec2(float(r.x), float(r.y - 17)), IM_COL32(200, 200, 200, 255), text[1].c_str());
        dl->PopClipRect();
    }
}

cv::Mat Gui::labelModel2(const cv::Mat& view) const {
    cv::Mat labelled = view.clone();
    for (int i = 0; i < 3; ++i) {
        const gfx::PixelRect& r = m_model2RectsOffscreen[i];
        if (r.w <= 0) continue;
        const cv::Rect at = cv::Rect(r.x, r.y - kM2Label, r.w, kM2Label) & cv::Rect(0, 0, labelled.cols, labelled.rows);
        if (at.height < kM2Label) continue;
        cv::Mat strip = labelled(at);  // text clipped to the pane's width
        const auto text = model2Label(i);
        for (int line = 0; line < 2; ++line)
            cv::putText(strip, text[size_t(line)], {0, 14 + 17 * line}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar::all(235), 1, cv::LINE_AA);
    }
    return labelled;
}

void Gui::model2Info(ui::Model2Info& info) const {
    if (!m_model2) return;
    const Model2State& s = m_model2State;
    const Model2Result& r = m_model2Result;
    info.active = s.loaded || s.loading;
    info.loading = s.loading;
    info.untrained = s.untrained;
    info.label = s.label;
    info.source = s.source;
    info.error = s.error.empty() ? r.error : s.error;
    if (!r.actB.empty()) {
        info.layerB = r.match.layerB;
        info.note = r.match.note;
        info.forwardMs = r.forwardMs;
        info.maxAbs = r.maxAbs;
    }
}

std::string Gui::model2StatsJson() const {
    if (!m_model2) return "null";
    const Model2State& s = m_model2State;
    const Model2Result& r = m_model2Result;
    std::string rects[2];
    for (int k = 0; k < 2; ++k) {
        const gfx::PixelRect* rs = k == 0 ? m_model2Rects : m_model2RectsOffscreen;
        rects[k] = "{\"a\": " + rectJson(rs[0]) + ", \"b\": " + rectJson(rs[1]) + ", \"diff\": " + rectJson(rs[2]) + "}";
    }
    return "{\"name\": \"" + jsonEscape(s.label) + "\", \"source\": \"" + jsonEscape(s.source) + "\", \"spec\": \"" + jsonEscape(s.spec) +
           "\", \"loaded\": " + (s.loaded ? "true" : "false") + ", \"error\": \"" + jsonEscape(s.error.empty() ? r.error : s.error) +
           "\", \"layer_a\": \"" + jsonEscape(r.match.layerA) + "\", \"layer_b\": \"" + jsonEscape(r.match.layerB) +
           "\", \"matched_by\": \"" + (r.match.layerB.empty() ? "" : r.match.byPosition ? "position" : "name") + "\", \"note\": \"" +
           jsonEscape(r.match.note) + "\"" +
           cv::format(", \"inference_ms\": %.3f, \"inference_ms_p50\": %.3f, \"samples\": %d, \"diff_ms\": %.3f, \"max_abs_diff\": %.9g, "
                      "\"frame_id\": %llu, \"frame_index\": %lld, \"shown\": %s, ",
                      r.forwardMs, percentile(m_model2Ms, 50), int(m_model2Ms.size()), r.diffMs, double(r.maxAbs),
                      (unsigned long long)r.frameId, (long long)r.frameIndex, model2Shown() ? "true" : "false") +
           "\"rects\": " + rects[0] + ", \"offscreen_rects\": " + rects[1] + "}";
}

}  // namespace cnnscope::app::detail
