// Why the network decides, in the window (see why_view.hpp).
#include "app/why_view.hpp"

#include "app/view_options.hpp"
#include "core/base/parse.hpp"
#include "core/model/model_check.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace cnnscope::app {

namespace {

CamMethod methodOf(int index) {
    auto m = parseCamMethod(ui::kWhyMethods[std::clamp(index, 0, ui::kWhyMethodCount - 1)]);
    return m ? *m : CamMethod::GradCam;
}

// "tiger shark, Galeocerdo cuvieri" -> "tiger shark": the title's short name.
std::string firstName(const std::string& label) { return shownName(label.substr(0, label.find(','))); }

std::vector<double> softmax(const cv::Mat& logits) {
    const float* z = logits.ptr<float>();
    const size_t n = logits.total();
    std::vector<double> p(n);
    const double mx = n ? *std::max_element(z, z + n) : 0;
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += p[i] = std::exp(double(z[i]) - mx);
    for (double& v : p) v /= sum;
    return p;
}

}  // namespace

Status WhyView::checkOptions(const detail::ViewOptions& o, bool) {
    if (o.why.empty() || o.why == "off") {
        if (o.classIndex >= 0) return Error{"--class needs --why METHOD (the class map and attribution follow that class)"};
        return {};
    }
    for (int i = 0; i < ui::kWhyMethodCount; ++i)
        if (o.why == ui::kWhyMethods[i]) return {};
    return Error{"--why: unknown method '" + o.why + "'; use off, gradcam, gradcam++, layercam, eigencam, scorecam or occlusion"};
}

Status WhyView::afterPipeline(const detail::ViewOptions& o, ViewContext& c) {
    if (o.why.empty() || o.why == "off") return {};
    c.inputs.why = true;
    for (int i = 0; i < ui::kWhyMethodCount; ++i)
        if (o.why == ui::kWhyMethods[i]) c.inputs.whyMethod = i;
    c.inputs.whyClass = o.classIndex;
    return {};
}

WhyRequest WhyView::wanted(const ViewContext& c, const cv::Mat& frame, uint64_t frameId) const {
    WhyRequest r;
    r.frame = frame;
    r.frameId = frameId;
    r.layer = c.inputs.whyAtShown ? c.shownLayer : std::string();
    r.method = methodOf(c.inputs.whyMethod);
    r.classIndex = c.inputs.whyClass;
    r.ablate = c.inputs.whyAblate;
    r.faithfulness = c.inputs.whyFaith;
    r.generation = c.generation;
    return r;
}

bool WhyView::sameSettings(const WhyRequest& a, const WhyRequest& b) {
    return a.layer == b.layer && a.method == b.method && a.classIndex == b.classIndex && a.ablate == b.ablate &&
           a.faithfulness == b.faithfulness && a.generation == b.generation;
}

void WhyView::take(ViewContext& c) {
    WhyResult r;
    if (!m_worker->take(r) || r.generation != c.generation) return;  // older models' results are dropped
    if (!r.error.empty() && r.error != m_result.error) c.window.post(r.error, ui::Message::Level::Error);
    // A failed ablation (channels past the layer's, a layer no convolution makes) is dropped, so
    // that the next request runs the intact network and the panel is not stuck on the error.
    if (!r.error.empty() && !c.inputs.whyAblate.empty() && r.error.find("--ablate") != std::string::npos) c.inputs.whyAblate.clear();
    if (r.error.empty()) {
        m_renderer.uploadFrame(r.overlay);
        m_mapRange = r.range;
        std::vector<double> p = softmax(r.cam.logits);
        const double s = std::clamp(double(c.inputs.whySmooth), 0.0, 0.95);
        if (r.asked.serial == m_result.asked.serial && m_smoothed.size() == p.size()) {
            // a building map's next step: the same frame's probabilities, already counted
        } else if (s > 0 && m_smoothed.size() == p.size() && m_smoothGeneration == r.generation)
            for (size_t i = 0; i < p.size(); ++i) m_smoothed[i] = s * m_smoothed[i] + (1 - s) * p[i];
        else
            m_smoothed = std::move(p);
        m_smoothGeneration = r.generation;
        if (r.ablated.empty()) {  // the intact network's figure, for the note once channels are off
            m_intactProbability = r.cam.probability;
            m_intactClass = r.cam.classIndex;
        }
    }
    r.overlay.release();
    m_result = std::move(r);
}

void WhyView::tick(ViewContext& c) {
    if (!c.inputs.why || c.result.frame.empty()) return;
    if (!m_worker) m_worker = std::make_unique<WhyWorker>();
    if (m_generation != c.generation) {  // another model, input size or target: its classes and channels are not the old ones
        if (m_generation != ~uint64_t(0)) {
            c.inputs.whyAblate.clear();
            c.inputs.whyClass = -1;
        }
        m_generation = c.generation;
        m_intactProbability = -1;
        m_intactClass = -1;
    }
    take(c);
    // A change of the map's layer drops the ablation (its channels were the old layer's).
    const std::string layerKey = c.inputs.whyAtShown ? c.shownLayer : std::string();
    if (layerKey != m_layerKey) {
        if (m_layerKeySet) c.inputs.whyAblate.clear();
        m_layerKey = layerKey;
        m_layerKeySet = true;
    }
    const bool kept = c.kept.valid;
    const cv::Mat& frame = kept ? c.kept.frame : c.result.frame;
    const uint64_t frameId = kept ? c.kept.id : c.result.frameId;
    if (kept && c.kept.shownIndex != c.kept.index) return;
    WhyRequest req = wanted(c, cv::Mat(), frameId);
    if (sameSettings(req, m_asked)) {
        if (req.frameId == m_asked.frameId) return;  // asked already (answered or on its way)
        if (pending() && camIsForwardsOnly(req.method)) return;  // a map of many forwards builds up on its frame: a new frame alone waits
    }
    req.frame = frame.clone();  // the pipeline reuses its buffers
    req.model = c.window.workerModelOptions();
    req.serial = ++m_serial;
    m_asked = req;
    m_asked.frame.release();
    m_asked.model = {};
    m_worker->submit(std::move(req));
}

namespace {
// The Why section's controls as scripted keys: why=METHOD|off, class=K|top, ablate=12:40:3-5|none.
Status applyWhyArgument(ui::PanelInputs& in, const std::string& name, const std::string& arg) {
    if (name == "why") {
        if (arg == "off") {
            in.why = false;
            return {};
        }
        for (int i = 0; i < ui::kWhyMethodCount; ++i)
            if (arg == ui::kWhyMethods[i]) {
                in.why = true;
                in.whyMethod = i;
                return {};
            }
        return Error{"why=" + arg + ": use off, gradcam, gradcam++, layercam, eigencam, scorecam or occlusion"};
    }
    if (name == "class") {
        if (arg == "top") {
            in.whyClass = -1;
            return {};
        }
        char* end = nullptr;
        const long k = std::strtol(arg.c_str(), &end, 10);
        if (arg.empty() || *end != '\0' || k < 0 || k > 1000000)
            return Error{"class=" + arg + ": expected a class index 0..1000000 (or 'top': follow the top-1)"};
        in.whyClass = int(k);
        return {};
    }
    if (arg == "none") {
        in.whyAblate.clear();
        return {};
    }
    std::string list = arg;
    std::replace(list.begin(), list.end(), ':', ',');  // ',' separates the keys
    auto channels = parseAblateList(list, 1 << 20);  // the layer's count is checked by the worker, which has the model
    if (!channels) return Error{"ablate=" + arg + ": expected channels of the map's layer, one or a range A-B, separated by ':' (e.g. ablate=12:40:3-5), or 'none'"};
    in.whyAblate = *channels;
    return {};
}
}  // namespace

bool WhyView::onScriptArgument(const std::string& name, const std::string& value, ViewContext& c) {
    if (name != "why" && name != "class" && name != "ablate") return false;
    if (auto st = applyWhyArgument(c.inputs, name, value); !st) c.window.post(st.error(), ui::Message::Level::Error);
    return true;
}

bool WhyView::onPanelEvent(const ui::PanelEvent& e, ViewContext& c) {
    if (e.kind != ui::PanelEvent::Kind::WhyShowChannel) return false;
    c.window.selectLayer(e.text);
    c.view.channel = int(e.value);
    c.view.mode = ViewMode::Single;  // the channel itself (in the grid it may be on another page)
    return true;
}

std::string WhyView::className(int index) const {
    return index >= 0 && size_t(index) < m_result.names.size() ? m_result.names[size_t(index)] : "class " + std::to_string(index);
}

std::string WhyView::title(bool comparing) const {
    const double p = m_result.cam.probability;
    return std::string(comparing ? "stylised: " : "") + cv::format("%s map of %s (%.1f%%)", camMethodName(m_result.method), firstName(className(m_result.cam.classIndex)).c_str(), p * 100) +
           (m_result.ablated.empty() ? "" : cv::format(" | %zu off", m_result.ablated.size())) +
           (m_result.partial ? cv::format(" | %d/%d", m_result.done, m_result.total) : "");
}

gfx::PixelRect WhyView::draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) {
    // The first column: a third of the area (a quarter beside another column, the unit's), the
    // map over the frame under its title, top-aligned.
    constexpr int kGap = 8;
    const int w = c.plan.columns.size() > 1 ? area.w / 4 : area.w / 3;
    const gfx::TitledPane tp = gfx::titled({area.x, area.y, std::max(1, w - kGap), area.h});
    const cv::Size fs = m_renderer.frameSize();
    gfx::PixelRect r = gfx::fitAspect(tp.content, fs.width, fs.height);
    r.y = tp.content.y;
    gfx::ActivationRenderer::Params fp;
    fp.mode = ViewMode::Frame;
    m_renderer.draw(r, t.fbHeight, fp);
    if (t.live) m_rect = r;
    t.panes.push_back({"why", title(c.comparing), {area.x, tp.title.y, std::max(1, w - kGap), tp.title.h}, r});
    t.besideFrame = true;
    return {area.x + w, area.y, area.w - w, area.h};
}

void WhyView::panel(ui::PanelInfo& info, const ViewContext& c) const {
    ui::WhyInfo& w = info.why;
    w.computing = pending();
    w.error = m_result.error;
    w.noHead = m_result.noHead;
    if (!c.inputs.why || !m_result.error.empty() || m_result.cam.logits.empty()) return;
    w.active = true;
    w.layer = m_result.layer;
    w.method = camMethodName(m_result.method);
    std::vector<int> order(m_smoothed.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
    const size_t k = std::min<size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + long(k), order.end(), [&](int a, int b) {
        return m_smoothed[size_t(a)] > m_smoothed[size_t(b)] || (m_smoothed[size_t(a)] == m_smoothed[size_t(b)] && a < b);
    });
    for (size_t i = 0; i < k; ++i) w.top.push_back({order[i], className(order[i]), m_smoothed[size_t(order[i])]});
    w.followed = {m_result.cam.classIndex, className(m_result.cam.classIndex), m_result.cam.probability};
    w.following = m_result.requestedClass >= 0 && m_result.requestedClass == m_result.cam.classIndex;
    w.channelCount = int(m_result.channels.size());
    // The first 12 by attribution, then the channels that are off (their attribution is 0 now).
    for (size_t i = 0; i < m_result.channels.size(); ++i) {
        const ChannelScore& s = m_result.channels[i];
        const bool off = std::find(c.inputs.whyAblate.begin(), c.inputs.whyAblate.end(), s.channel) != c.inputs.whyAblate.end();
        if (i < 12 || off) w.channels.push_back({s.channel, s.attribution, off});
    }
    w.ms = m_result.ms;
    w.partial = m_result.partial;
    w.done = m_result.done;
    w.total = m_result.total;
    w.note = m_result.note;
    w.faithTop = m_result.faithTop;
    w.faithRandom = m_result.faithRandom;
    if (!m_result.ablated.empty() && m_intactClass == m_result.cam.classIndex && m_intactProbability >= 0)
        w.ablatedNote = cv::format("%s: %.1f%% intact, %.1f%% with %zu channel(s) off", className(m_intactClass).c_str(),
                                   m_intactProbability * 100, m_result.cam.probability * 100, m_result.ablated.size());
}

void WhyView::legends(std::vector<Legend>& out, const ViewContext& c) const {
    if (claim(c) != CanvasClaim::Column) return;
    Legend l;
    l.colormap = Colormap::Hot;
    l.head = {"class map", camMethodName(m_result.method)};
    l.hi = cv::format("%.3g", m_mapRange.hi);
    l.lo = cv::format("%.3g", m_mapRange.lo);
    out.push_back(l);
}

std::string WhyView::captionSuffix(const ViewContext& c) const {
    if (claim(c) != CanvasClaim::Column) return {};
    return cv::format(" | %s %.1f%% (%s)", firstName(className(m_result.cam.classIndex)).c_str(), m_result.cam.probability * 100,
                      camMethodName(m_result.method));
}

std::string WhyView::statsJson(const ViewContext& c) const {
    if (!c.inputs.why) return "{\"on\": false}";
    std::string s = "{\"on\": true, \"error\": \"" + jsonEscape(m_result.error) + "\"";
    s += ", \"frame_id\": " + std::to_string(m_result.frameId) + ", \"shown_frame_id\": " + std::to_string(c.shownFrameId);
    s += ", \"layer\": \"" + jsonEscape(m_result.layer) + "\", \"method\": \"" + camMethodName(m_result.method) + "\"";
    s += ", \"rect\": " + gfx::rectJson(m_rect);
    if (m_result.error.empty() && !m_result.cam.logits.empty()) {
        const cv::Mat& map = m_result.cam.map;
        double lo = 0, hi = 0;
        cv::Point at;
        cv::minMaxLoc(map, &lo, &hi, nullptr, &at);
        s += cv::format(", \"class\": {\"index\": %d, \"label\": \"%s\", \"probability\": %s, \"logit\": %s}", m_result.cam.classIndex,
                        jsonEscape(className(m_result.cam.classIndex)).c_str(), jsonNumber(m_result.cam.probability, 9).c_str(),
                        jsonNumber(m_result.cam.logit, 9).c_str());
        ui::PanelInfo info;
        panel(info, c);
        s += ", \"top\": [";
        for (size_t i = 0; i < info.why.top.size(); ++i)
            s += (i ? ", " : "") + cv::format("{\"index\": %d, \"label\": \"%s\", \"probability\": %s}", info.why.top[i].index,
                                              jsonEscape(info.why.top[i].label).c_str(), jsonNumber(info.why.top[i].probability, 9).c_str());
        s += "], \"channels\": [";
        for (size_t i = 0; i < info.why.channels.size(); ++i)
            s += (i ? ", " : "") + cv::format("{\"channel\": %d, \"attribution\": %s}", info.why.channels[i].channel,
                                              jsonNumber(info.why.channels[i].attribution, 9).c_str());
        s += "], \"ablated\": [";
        for (size_t i = 0; i < m_result.ablated.size(); ++i) s += (i ? ", " : "") + std::to_string(m_result.ablated[i]);
        s += cv::format("], \"map_shape\": [%d, %d], \"map_max\": %s, \"map_sum\": %s, \"map_argmax\": [%d, %d]", map.rows, map.cols,
                        jsonNumber(hi, 9).c_str(), jsonNumber(cv::sum(map)[0], 9).c_str(), at.y, at.x);
        s += ", \"faithfulness\": {\"top_drop\": " + jsonNumber(m_result.faithTop, 9) + ", \"random_drop\": " +
             jsonNumber(m_result.faithRandom, 9) + "}, \"ms\": " + jsonNumber(m_result.ms, 4);
        s += cv::format(", \"partial\": %s, \"forwards_done\": %d, \"forwards_total\": %d", m_result.partial ? "true" : "false", m_result.done,
                        m_result.total) +
             ", \"note\": \"" + jsonEscape(m_result.note) + "\"";
    }
    return s + "}";
}

bool WhyView::computing(const ViewContext& c) const {
    if (!c.inputs.why) return false;
    // Computed when the newest result answers what the panel asks now: on a live source, for any
    // recent frame (the worker runs on the newest it can take); else for the frame on screen.
    const WhyRequest& answered = m_result.asked;
    if (answered.serial == 0 || m_result.partial || m_result.generation != c.generation) return true;
    if (!sameSettings(wanted(c, cv::Mat(), c.shownFrameId), answered)) return true;
    if (!m_result.error.empty()) return false;  // said in the messages; nothing more will come
    const bool live = !(c.pipeline.paused() || c.pipeline.sourceIsStill());
    return !live && answered.frameId != c.shownFrameId;
}

}  // namespace cnnscope::app
