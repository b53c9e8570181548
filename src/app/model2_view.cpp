// Two networks side by side in the window: model B (`--model2`, the panel's Second model section)
// runs on its own thread (Model2Worker) on the frame on screen, at the layer matched to A's; the
// view shows A | B | A - B, the difference on the rdbu colormap with ranges symmetric around 0
// (per channel, or one over the layer with the 'layer' normalisation), as compare-models does.
#include "app/model2_view.hpp"

#include "app/frame_stats.hpp"
#include "app/view_options.hpp"
#include "core/base/parse.hpp"
#include "core/render/normalize.hpp"

#include <opencv2/imgproc.hpp>

#include <imgui.h>

#include <algorithm>

namespace cnnscope::app {

namespace {
constexpr int kM2Gap = 10, kM2Label = 36;  // between the panes; room above each for its two label lines

std::string normKey(const Normalization& n) {
    return cv::format("%d %g %g %g", int(n.mode), double(n.fixedLo), double(n.fixedHi), double(n.percentile));
}
}  // namespace

session::CommonOptions Model2View::options(const session::CommonOptions& base, const std::string& spec) {
    session::CommonOptions o = session::secondModelOptions(base, spec);
    o.quiet = true;
    return o;
}

Status Model2View::start(const session::CommonOptions& base, const std::string& spec, const Model& a, const std::string& layer) {
    if (spec.empty()) return {};
    session::CommonOptions o = options(base, spec);
    o.quiet = base.quiet;
    auto b = session::loadModel(o);
    if (!b) return Error{"--model2: " + model2LoadError(b.error())};
    if (auto m = matchLayer(a.layers(), layer, b->layers()); !m) return Error{"--model2: " + m.error()};
    m_worker = std::make_unique<Model2Worker>();
    m_worker->adopt(std::make_unique<Model>(std::move(*b)), spec);
    return {};
}

void Model2View::load(const session::CommonOptions& base, const std::string& spec, const std::string& target, const Post& post) {
    if (spec.empty()) {
        post("second model: give a model file or models.yml name, or 'untrained'", ui::Message::Level::Error);
        return;
    }
    if (!m_worker) m_worker = std::make_unique<Model2Worker>();
    session::CommonOptions o = options(base, spec);
    o.target = target;  // where A runs now (the panel may have changed it)
    m_worker->load(std::move(o), spec);
    m_result = Model2Result();
    post("second model: loading " + spec + "...", ui::Message::Level::Info);
}

void Model2View::unload(const Post& post) {
    if (!m_worker) return;
    m_worker->unload();  // the worker drops it on its own thread; the UI does not wait
    m_result = Model2Result();
    post("second model unloaded", ui::Message::Level::Info);
}

bool Model2View::current(const std::string& shownLayer, uint64_t shownFrameId, bool live) const {
    if (!m_worker) return true;
    if (m_state.loading) return false;
    if (!m_state.loaded) return true;  // failed: said in the messages
    const Model2Result& r = m_result;
    if (r.generation != m_state.generation) return false;
    if (!r.error.empty()) return r.match.layerA == shownLayer;
    return r.match.layerA == shownLayer && (r.frameId == shownFrameId || live);
}

void Model2View::upload(bool maps, const Normalization& norm) {
    Model2Result& r = m_result;
    if (r.actB.empty() || !m_panes) return;
    if (!r.rangesA.empty() && normKey(r.norm) == normKey(norm)) {  // taken on the worker thread
        m_ranges[0].swap(r.rangesA);
        m_ranges[1].swap(r.rangesB);
        r.rangesA.clear();  // used: a later normalisation change computes them here
        r.rangesB.clear();
    } else {  // the normalisation changed since the request
        channelRanges(r.actA, norm, m_ranges[0], m_rangeScratch);
        channelRanges(r.actB, norm, m_ranges[1], m_rangeScratch);
    }
    m_ranges[2] = r.diffRanges;
    if (norm.mode == NormMode::Layer)  // one M over the layer, as compare-models --normalize layer
        for (Range& x : m_ranges[2]) x = r.maxAbs > 0 ? Range{-r.maxAbs, r.maxAbs} : Range{-1.f, 1.f};
    gfx::ActivationRenderer* panes[3] = {&m_panes->a, &m_panes->b, &m_panes->diff};
    const cv::Mat* acts[3] = {&r.actA, &r.actB, &r.diff};
    for (int i = 0; i < 3; ++i) {
        if (maps) panes[i]->upload(*acts[i], m_ranges[i]);
        else panes[i]->uploadRanges(m_ranges[i]);
    }
    m_normKey = normKey(norm);
}

void Model2View::take(const Normalization& norm, const Post& post) {
    Model2Result r;
    if (!m_worker->take(r) || r.generation != m_state.generation) return;
    if (!r.error.empty()) {
        if (r.error != m_result.error) post("second model: " + r.error, ui::Message::Level::Error);
        m_result = std::move(r);
        return;
    }
    if (!m_panes) {
        m_panes = std::make_unique<Panes>();
        std::string error;
        if (!m_panes->a.init(&error) || !m_panes->b.init(&error) || !m_panes->diff.init(&error)) {
            post("second model: " + error, ui::Message::Level::Error);
            m_panes.reset();
            return;
        }
    }
    if (!m_result.actA.empty()) m_spare = std::move(m_result.actA);  // its maps are on the GPU now
    m_ms.push_back(r.forwardMs);
    if (m_ms.size() > 2000) m_ms.erase(m_ms.begin(), m_ms.begin() + 1000);
    m_result = std::move(r);
    upload(true, norm);
}

void Model2View::update(const Normalization& norm, const Post& post) {
    if (!m_worker) return;
    const Model2State st = m_worker->state();
    if (!st.loading && st.generation != m_announced && (st.loaded || !st.error.empty())) {  // a load has ended
        m_announced = st.generation;
        if (st.loaded) post("second model: " + st.label + " (" + st.source + ")", ui::Message::Level::Info);
        else post("second model: " + st.error, ui::Message::Level::Error);
        for (const auto& w : st.warnings) post("second model: " + w, ui::Message::Level::Warning);
    }
    m_state = st;
    take(norm, post);
    if (m_panes && normKey(norm) != m_normKey) upload(false, norm);
}

void Model2View::request(const cv::Mat& frame, int64_t frameIndex, uint64_t frameId, const cv::Mat& act, const std::string& layer,
                         const std::vector<LayerInfo>& layersA, cv::Size inputSize, const Normalization& norm) {
    if (frameId == m_asked.frameId && layer == m_asked.layerA && m_state.generation == m_asked.generation && inputSize == m_asked.inputSize)
        return;
    Model2Request req;
    req.frame = frame.clone();  // the pipeline reuses its buffers
    act.copyTo(m_spare);        // into the last result's buffer: at 640x480 a fresh block1 copy costs ~40 ms, a reused one ~6
    req.actA = std::move(m_spare);
    req.layersA = std::make_shared<const std::vector<LayerInfo>>(layersA);
    req.layerA = layer;
    req.frameId = frameId;
    req.frameIndex = frameIndex;
    req.inputSize = inputSize;
    req.norm = norm;
    req.generation = m_state.generation;
    m_asked = Model2Request();
    m_asked.frameId = req.frameId;
    m_asked.layerA = req.layerA;
    m_asked.inputSize = inputSize;
    m_asked.generation = m_state.generation;
    m_worker->submit(std::move(req));
}

void Model2View::draw(const gfx::PixelRect& area, int fbH, bool live, const ViewState& view, gfx::ActivationRenderer& a,
                      gfx::PixelRect& mapsRect, gfx::GridLayout& grid) {
    const int right = 0;  // the colorbar has its own column (gfx/screen_layout)
    const int colW = std::max(1, (area.w - right - 2 * kM2Gap) / 3);
    const bool current = m_panes && m_result.error.empty() && !m_result.actB.empty();
    // A's pane shows the maps B was compared with (the same frame), the live ones until B answers.
    gfx::ActivationRenderer* panes[3] = {current ? &m_panes->a : &a, current ? &m_panes->b : nullptr,
                                         current ? &m_panes->diff : nullptr};
    gfx::PixelRect* rects = live ? m_rects : m_rectsOffscreen;
    for (int i = 0; i < 3; ++i) {
        rects[i] = {};
        const gfx::PixelRect pane{area.x + i * (colW + kM2Gap), area.y + kM2Label, colW, std::max(1, area.h - kM2Label)};
        if (i == 1 && !panes[i])  // where B's maps will be: its label says why they are not (computing, or B's error)
            rects[i] = {rects[0].x + colW + kM2Gap, rects[0].y, rects[0].w, rects[0].h};
        if (!panes[i] || !panes[i]->hasActivations()) continue;
        gfx::ActivationRenderer::Params p = gfx::viewParams(view, *panes[i], pane, rects[i], gfx::kTileLabel);
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
            mapsRect = rects[i];
            grid = p.grid;
        }
    }
}

std::array<std::string, 2> Model2View::label(int pane, const Labels& l) const {
    const Model2Result& r = m_result;
    switch (pane) {
        case 0: return {"A: " + l.modelA, r.actB.empty() ? l.shownLayer : r.match.layerA};
        case 1:
            // B's maps can exist while the comparison failed (e.g. B's layer has other channels): say why.
            if (r.actB.empty() || !r.error.empty()) return {"B: " + m_state.label, r.error.empty() ? "computing..." : r.error};
            return {"B: " + m_state.label, r.match.layerB + (r.match.byPosition ? " matched by position" : " matched by name")};
        default:
            if (r.actB.empty() || !r.error.empty()) return {};
            return {cv::format("A - B (rdbu, symmetric per %s)", l.norm == NormMode::Layer ? "layer" : "channel"),
                    cv::format("max |A-B| %.4g, frame %lld", double(r.maxAbs), (long long)r.frameIndex)};
    }
}

void Model2View::layoutPanes(std::vector<gfx::Pane>& out, const Labels& l) const {
    const char* names[] = {"model2_a", "model2_b", "model2_diff"};
    for (int i = 0; i < 3; ++i)
        if (m_rects[i].w > 0) {
            const auto text = label(i, l);  // the two lines drawLabels() puts above the pane
            out.push_back({names[i], text[1].empty() ? text[0] : text[0] + " | " + text[1],
                           {m_rects[i].x, m_rects[i].y - kM2Label, m_rects[i].w, kM2Label}, m_rects[i], true});
        }
}

void Model2View::drawLabels(ImDrawList* dl, const Labels& l) const {
    for (int i = 0; i < 3; ++i) {
        const gfx::PixelRect& r = m_rects[i];
        const auto text = label(i, l);
        if (r.w <= 0) continue;
        dl->PushClipRect(ImVec2(float(r.x), float(r.y - kM2Label)), ImVec2(float(r.x + r.w), float(r.y)), true);
        dl->AddText(ImVec2(float(r.x), float(r.y - 34)), IM_COL32(255, 255, 255, 255), text[0].c_str());
        dl->AddText(ImVec2(float(r.x), float(r.y - 17)), IM_COL32(200, 200, 200, 255), text[1].c_str());
        dl->PopClipRect();
    }
}

cv::Mat Model2View::labelOffscreen(const cv::Mat& view, const Labels& l) const {
    cv::Mat labelled = view.clone();
    for (int i = 0; i < 3; ++i) {
        const gfx::PixelRect& r = m_rectsOffscreen[i];
        if (r.w <= 0) continue;
        const cv::Rect at = cv::Rect(r.x, r.y - kM2Label, r.w, kM2Label) & cv::Rect(0, 0, labelled.cols, labelled.rows);
        if (at.height < kM2Label) continue;
        cv::Mat strip = labelled(at);  // text clipped to the pane's width
        const auto text = label(i, l);
        for (int line = 0; line < 2; ++line)
            cv::putText(strip, text[size_t(line)], {0, 14 + 17 * line}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar::all(235), 1, cv::LINE_AA);
    }
    return labelled;
}

void Model2View::info(ui::Model2Info& info) const {
    if (!m_worker) return;
    const Model2State& s = m_state;
    const Model2Result& r = m_result;
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

std::string Model2View::statsJson(bool shown) const {
    if (!m_worker) return "null";
    const Model2State& s = m_state;
    const Model2Result& r = m_result;
    std::string rects[2];
    for (int k = 0; k < 2; ++k) {
        const gfx::PixelRect* rs = k == 0 ? m_rects : m_rectsOffscreen;
        rects[k] = "{\"a\": " + gfx::rectJson(rs[0]) + ", \"b\": " + gfx::rectJson(rs[1]) + ", \"diff\": " + gfx::rectJson(rs[2]) + "}";
    }
    return "{\"name\": \"" + jsonEscape(s.label) + "\", \"source\": \"" + jsonEscape(s.source) + "\", \"spec\": \"" + jsonEscape(s.spec) +
           "\", \"loaded\": " + (s.loaded ? "true" : "false") + ", \"error\": \"" + jsonEscape(s.error.empty() ? r.error : s.error) +
           "\", \"layer_a\": \"" + jsonEscape(r.match.layerA) + "\", \"layer_b\": \"" + jsonEscape(r.match.layerB) +
           "\", \"matched_by\": \"" + (r.match.layerB.empty() ? "" : r.match.byPosition ? "position" : "name") + "\", \"note\": \"" +
           jsonEscape(r.match.note) + "\"" +
           cv::format(", \"inference_ms\": %.3f, \"inference_ms_p50\": %.3f, \"samples\": %d, \"diff_ms\": %.3f, \"max_abs_diff\": %.9g, "
                      "\"frame_id\": %llu, \"frame_index\": %lld, \"shown\": %s, ",
                      r.forwardMs, percentile(m_ms, 50), int(m_ms.size()), r.diffMs, double(r.maxAbs),
                      (unsigned long long)r.frameId, (long long)r.frameIndex, shown ? "true" : "false") +
           "\"label_b\": \"" + jsonEscape(label(1, Labels{})[1]) + "\", \"rects\": " + rects[0] + ", \"offscreen_rects\": " + rects[1] + "}";
}

// [SECTION] The view contract.

Status Model2View::beforeWindow(const detail::ViewOptions& o, const Model& a, const std::string& layer) {
    return start(o.common, o.model2, a, layer);
}

bool Model2View::onPanelEvent(const ui::PanelEvent& e, ViewContext& c) {
    const Post post = [&c](const std::string& text, ui::Message::Level level) { c.window.post(text, level); };
    if (e.kind == ui::PanelEvent::Kind::LoadModel2) load(c.common, e.text, c.pipeline.model().target().actual, post);
    else if (e.kind == ui::PanelEvent::Kind::UnloadModel2) unload(post);
    else return false;
    return true;
}

bool Model2View::computing(const ViewContext& c) const {
    return !current(c.shownLayer, c.shownFrameId, !(c.pipeline.paused() || c.pipeline.sourceIsStill()));
}

void Model2View::tick(ViewContext& c) {
    if (!active()) return;
    update(c.view.norm, [&c](const std::string& text, ui::Message::Level level) { c.window.post(text, level); });
    if (!loaded() || c.act.empty() || c.mapsOwned || c.shownLayer.empty()) return;
    // The frame whose maps are on screen: live, or a kept frame while scrubbing the history.
    cv::Mat frame = c.kept.frame;
    int64_t index = c.kept.index;
    if (!c.kept.valid || c.kept.id != c.shownFrameId) {
        if (c.kept.scrubbing || c.result.frameId != c.shownFrameId) return;  // the maps on screen are being replaced
        frame = c.result.frame;
        index = c.result.frameIndex;
    }
    // Right after a model, size or target change the maps on screen may still be the old model's
    // (and a new pipeline numbers its frames from 1 again): wait for maps of A's current shape.
    if (!mapsOfModel(c.act, c.shownLayer, c.pipeline.model())) return;
    request(frame, index, c.shownFrameId, c.act, c.shownLayer, c.pipeline.model().layers(), c.pipeline.model().preprocessing().size,
            c.view.norm);
}

gfx::PixelRect Model2View::draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) {
    draw(area, t.fbHeight, t.live, c.view, c.maps, t.mapsRect, t.grid);
    if (t.live) layoutPanes(t.panes, labels(c));
    return {};
}

void Model2View::overlay(ImDrawList* dl, ViewContext& c) {
    if (shown(c)) drawLabels(dl, labels(c));
}

cv::Mat Model2View::burnLabels(const cv::Mat& pixels, const ViewContext& c) const {
    return shown(c) ? labelOffscreen(pixels, labels(c)) : pixels;  // A | B | A - B: the labels burnt in
}

void Model2View::legends(std::vector<Legend>& out, const ViewContext& c) const {
    if (!shown(c)) return;
    if (const double d = differenceMax(); d >= 0) out.push_back(differenceLegend(d, c.view.norm.mode));
}

}  // namespace cnnscope::app
