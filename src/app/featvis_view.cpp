// What a unit wants to see, in the window (see featvis_view.hpp).
#include "app/featvis_view.hpp"

#include "app/view_options.hpp"
#include "core/base/parse.hpp"
#include "core/model/conv_mode.hpp"
#include "core/model/model.hpp"
#include "core/model/precision.hpp"
#include "gfx/screen_layout.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;

namespace cnnscope::app {

namespace {
constexpr double kDwellSeconds = 0.4;  // the pointer rests this long on a tile before the card follows it
constexpr int kGap = 8;
constexpr int kSheetSide = 1024;  // the sheet's picture at most this wide

int channelsOf(const ViewContext& c) { return c.act.empty() || c.act.dims != 4 ? 0 : c.act.size[1]; }
}  // namespace

Status FeatvisView::checkOptions(const detail::ViewOptions& o, bool) {
    if (!o.featvis && (o.featvisSheet || !o.featvisSize.empty() || o.featvisIterations != detail::kDefaultFeatvisIterations))
        return Error{"--featvis-size, --featvis-iterations and --featvis-sheet need --featvis"};
    if (!o.featvisSize.empty()) {
        auto s = parseSize(o.featvisSize, 16, 512);
        if (!s) return Error{"--featvis-size: " + s.error()};
        if (s->width != s->height) return Error{"--featvis-size: the window's card is square: give N or NxN, not " + o.featvisSize};
    }
    return {};
}

Status FeatvisView::afterPipeline(const detail::ViewOptions& o, ViewContext& c) {
    if (!o.featvis) return {};
    c.inputs.featvis = true;
    c.inputs.featvisSheet = o.featvisSheet;
    c.inputs.featvisIterations = o.featvisIterations;
    if (!o.featvisSize.empty()) c.inputs.featvisSize = parseSize(o.featvisSize, 16, 512)->width;  // checked above
    return {};
}

int FeatvisView::cardChannel(const ViewContext& c) {
    const int C = channelsOf(c);
    if (C == 0) return -1;
    const int selected = std::clamp(c.view.channel, 0, C - 1);
    if (selected != m_lastSelected || m_cardChannel < 0 || m_cardChannel >= C) {  // a click, a key, another layer
        m_lastSelected = selected;
        m_cardChannel = selected;
    }
    int ch = -1, x = 0, y = 0;
    if (c.hovered(ch, x, y) && c.view.mode == ViewMode::Grid) {
        const auto now = std::chrono::steady_clock::now();
        if (ch != m_hoverChannel) m_hoverChannel = ch, m_hoverSince = now;
        if (c.hover || std::chrono::duration<double>(now - m_hoverSince).count() >= kDwellSeconds) m_cardChannel = ch;
    } else {
        m_hoverChannel = -1;  // the card keeps the last unit the pointer rested on
    }
    return m_cardChannel;
}

FeatvisRequest FeatvisView::wanted(const ViewContext& c) const {
    FeatvisRequest r;
    r.generation = c.generation;
    r.layer = c.shownLayer;
    if (m_cardChannel >= 0) r.channels = {m_cardChannel};
    r.size = {c.inputs.featvisSize, c.inputs.featvisSize};
    r.iterations = c.inputs.featvisIterations;
    r.cacheDir = m_cacheDir;
    r.engine = std::string(precisionName(currentPrecision().actual)) + " " + convModeName(convMode());
    return r;
}

bool FeatvisView::sameSettings(const FeatvisRequest& a, const FeatvisRequest& b) {
    return a.generation == b.generation && a.layer == b.layer && a.size == b.size && a.iterations == b.iterations && a.seed == b.seed &&
           a.engine == b.engine;
}

void FeatvisView::resetSheet(const FeatvisResult& r) {
    m_sheetFor = m_asked;
    m_sheetModelKey = r.modelKey;
    m_done.assign(size_t(std::max(0, r.channels)), 0);
    m_doneCount = 0;
    m_sheetCols = std::max(1, int(std::ceil(std::sqrt(double(std::max(1, r.channels))))));
    m_thumb = std::clamp(kSheetSide / m_sheetCols - 2, 8, 128);
    const int rows = (std::max(1, r.channels) + m_sheetCols - 1) / m_sheetCols;
    m_sheet = cv::Mat(rows * (m_thumb + 2), m_sheetCols * (m_thumb + 2), CV_8UC3, cv::Scalar::all(24));
    for (int k = 0; k < r.channels; ++k)  // the units to come: grey squares
        m_sheet(cv::Rect((k % m_sheetCols) * (m_thumb + 2) + 1, (k / m_sheetCols) * (m_thumb + 2) + 1, m_thumb, m_thumb)).setTo(cv::Scalar::all(64));
    m_sheetDirty = true;
}

void FeatvisView::markDone(int k, const cv::Mat& image) {
    if (k < 0 || k >= int(m_done.size()) || m_done[size_t(k)]) return;
    m_done[size_t(k)] = 1;
    ++m_doneCount;
    if (image.empty()) return;  // it failed (said in the messages): its square stays grey
    cv::Mat thumb;
    cv::resize(image, thumb, {m_thumb, m_thumb}, 0, 0, cv::INTER_AREA);
    if (m_thumb >= 24) {  // its channel number in the corner, on a dark box
        const std::string n = std::to_string(k);
        const double scale = m_thumb >= 64 ? 0.4 : 0.3;
        const cv::Size ts = cv::getTextSize(n, cv::FONT_HERSHEY_SIMPLEX, scale, 1, nullptr);
        cv::rectangle(thumb, {0, 0}, {ts.width + 3, ts.height + 4}, cv::Scalar::all(0), cv::FILLED);
        cv::putText(thumb, n, {1, ts.height + 1}, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar::all(235), 1, cv::LINE_AA);
    }
    thumb.copyTo(m_sheet(cv::Rect((k % m_sheetCols) * (m_thumb + 2) + 1, (k / m_sheetCols) * (m_thumb + 2) + 1, m_thumb, m_thumb)));
    m_sheetDirty = true;
}

void FeatvisView::scanCache() {
    if (m_cacheDir.empty() || m_sheetModelKey.empty()) return;
    const std::string folder = fs::path(featvisCachePath(m_cacheDir, m_sheetModelKey, {m_sheetFor.layer, 0, m_sheetFor.size})).parent_path();
    if (!checkCacheFolders(m_cacheDir, folder + "/x.png")) return;  // a planted link: the worker says so
    std::error_code ec;
    for (int k = 0; k < int(m_done.size()); ++k) {
        if (m_done[size_t(k)]) continue;
        const std::string file =
            featvisCachePath(m_cacheDir, m_sheetModelKey, {m_sheetFor.layer, k, m_sheetFor.size, m_sheetFor.iterations, m_sheetFor.seed});
        if (!fs::exists(fs::symlink_status(file, ec))) continue;
        if (cv::Mat img = readFeatvisCache(file, m_sheetFor.size); !img.empty()) markDone(k, img);
    }
}

void FeatvisView::takeResults(ViewContext& c) {
    FeatvisResult r;
    if (!m_worker || !m_worker->take(r)) return;
    const bool ours = r.generation == m_asked.generation && r.layer == m_asked.layer && r.seed == m_asked.seed &&
                      (r.size.area() == 0 || r.size == m_asked.size) && (r.iterations == 0 || r.iterations == m_asked.iterations);
    if (!ours) return;  // for settings asked before the last change
    auto say = [&](const std::string& e) {  // each once per request, a few at most; "not cached" too: the status line says it
        if (!e.empty() && m_posted.insert(e).second && m_posted.size() <= 8) c.window.post(e, ui::Message::Level::Error);
    };
    say(r.error);
    for (const FeatvisResult::Finished& f : r.finished) say(f.error);
    if (r.last && r.serial == m_asked.serial) m_workerDone = true;  // not an older request's end (same settings, another unit)
    if (r.channel == m_cardChannel || r.channel < 0) {
        m_card = r;
        if (!r.image.empty()) m_cardRenderer.uploadFrame(r.image);
        m_card.image.release();
    }
    if (r.channels > 0 && (m_done.size() != size_t(r.channels) || !sameSettings(m_sheetFor, m_asked) || m_sheetModelKey != r.modelKey)) {
        resetSheet(r);
        scanCache();
    }
    if (r.done) markDone(r.channel, r.image);
    for (const FeatvisResult::Finished& f : r.finished) {  // units whose own results were not taken (latest-wins)
        markDone(f.channel, f.image);
        if (f.channel != m_cardChannel || f.image.empty() || (m_card.done && m_card.channel == f.channel)) continue;
        FeatvisResult h;  // the card's unit finished while its own result was replaced by a later unit's
        h.generation = r.generation, h.layer = r.layer, h.channel = f.channel, h.size = r.size, h.iterations = r.iterations;
        h.seed = r.seed, h.step = r.iterations, h.done = true, h.cached = f.cached, h.activation = f.activation;
        h.msPerStep = f.msPerStep, h.channels = r.channels, h.cacheFile = f.cacheFile, h.modelKey = r.modelKey, h.error = f.error;
        m_cardRenderer.uploadFrame(f.image);
        m_card = h;
    }
}

bool FeatvisView::onScriptArgument(const std::string& name, const std::string& value, ViewContext& c) {
    if (name != "featvis") return false;
    if (const std::string e = ui::applyFeatvisArgument(c.inputs, value); !e.empty()) c.window.post(e, ui::Message::Level::Error);
    return true;
}

void FeatvisView::tick(ViewContext& c) {
    if (!c.inputs.featvis || c.comparing) {
        if (m_worker && m_hasAsked) {  // turned off (or hidden): the unit that runs, and the sheet's, stop
            m_worker->submit(FeatvisRequest());
            m_hasAsked = false;
            m_card = FeatvisResult();
        }
        return;
    }
    if (c.act.empty() || !mapsOfModel(c.act, c.shownLayer, c.pipeline.model())) return;  // the old model's maps, still on screen
    if (!m_worker) {
        m_worker = std::make_unique<FeatvisWorker>();
        m_cacheDir = featvisCacheDir();
    }
    cardChannel(c);
    takeResults(c);
    const int C = channelsOf(c);
    if (m_cardChannel >= 0 && m_cardChannel < C) {  // the unit's mean on the frame, beside what it wants
        const cv::Mat plane(c.act.size[2], c.act.size[3], CV_32F, const_cast<float*>(c.act.ptr<float>(0, m_cardChannel)));
        m_frameMean = cv::mean(plane)[0];
    }
    FeatvisRequest want = wanted(c);
    if (want.channels.empty()) return;
    const bool sheet = c.inputs.featvisSheet;
    if (m_hasAsked && sameSettings(m_asked, want) && m_asked.channels.front() == want.channels.front() && m_askedSheet == sheet) return;
    if (sheet) {  // then the sheet's units not done yet, in channel order (all of them until its first result)
        const bool known = sameSettings(m_sheetFor, want) && int(m_done.size()) == C;
        for (int k = 0; k < C; ++k)
            if (k != want.channels.front() && !(known && m_done[size_t(k)])) want.channels.push_back(k);
    }
    if (!(m_hasAsked && sameSettings(m_asked, want) && m_card.channel == want.channels.front())) {  // another unit, or other settings
        m_card = FeatvisResult();
        m_card.channel = want.channels.front();
    }
    want.model = c.window.workerModelOptions();
    want.serial = m_asked.serial + 1;
    m_asked = want;
    m_askedSheet = sheet;
    m_hasAsked = true;
    m_posted.clear();
    m_workerDone = false;
    m_worker->submit(std::move(want));
}

CanvasClaim FeatvisView::claim(const ViewContext& c) const {
    return c.inputs.featvis && !c.comparing ? CanvasClaim::Column : CanvasClaim::None;
}

gfx::PixelRect FeatvisView::draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) {
    if (t.live) m_cardRect = m_sheetRect = {};
    if (!c.inputs.featvis || c.comparing) return area;
    const bool sheet = c.inputs.featvisSheet && !m_sheet.empty();
    if (m_sheetDirty && !m_sheet.empty()) {
        m_sheetRenderer.uploadFrame(m_sheet);
        m_sheetDirty = false;
    }
    const int titleH = gfx::kTitleHeight;
    // A fifth of the width or so, never more than a third (the maps keep the rest), and as tall
    // as there is room for; too narrow a canvas gets no card (the panel says so).
    int w = std::min(std::clamp(area.w * 2 / 9, 128, 360), area.w / 3);
    w = std::min(w, (sheet ? area.h / 2 : area.h) - titleH - kGap);
    const bool noRoom = w < 48;
    if (t.live) m_noRoom = noRoom;
    if (noRoom) return area;
    gfx::ActivationRenderer::Params fp;
    fp.mode = ViewMode::Frame;
    const int ch = std::max(0, m_card.channel);
    std::string title = "ch " + std::to_string(ch);
    if (!m_card.error.empty() && !m_card.done) title += ": failed";
    else if (!m_card.done) title += cv::format(": %d/%d", m_card.step, m_asked.iterations);
    else title += m_card.cached ? " wants (cached)" : " wants";
    const gfx::TitledPane card = gfx::titled({area.x, area.y, w, w + titleH});
    gfx::PixelRect r = card.content;
    if (m_cardRenderer.hasFrame() && m_card.channel == ch && (m_card.step > 0 || m_card.done)) m_cardRenderer.draw(r, t.fbHeight, fp);
    if (t.live) m_cardRect = r;
    t.panes.push_back({"featvis", title, card.title, r});
    if (sheet) {
        const gfx::TitledPane sp = gfx::titled({area.x, card.content.y + card.content.h + kGap, w, w + titleH});
        gfx::PixelRect s = gfx::fitAspect(sp.content, m_sheet.cols, m_sheet.rows);
        s.y = sp.content.y;
        m_sheetRenderer.draw(s, t.fbHeight, fp);
        if (t.live) m_sheetRect = s;
        t.panes.push_back({"featvis_sheet", cv::format("layer: %d/%d", m_doneCount, int(m_done.size())), sp.title, s});
    }
    return {area.x + w + kGap, area.y, std::max(1, area.w - w - kGap), area.h};
}

void FeatvisView::panel(ui::PanelInfo& info, const ViewContext& c) const {
    ui::FeatvisInfo& f = info.featvis;
    f.on = c.inputs.featvis;
    f.channel = m_card.channel;
    f.layer = m_asked.layer;
    f.step = m_card.step;
    f.total = m_asked.iterations;
    f.done = m_card.done;
    f.cached = m_card.cached;
    f.activation = m_card.activation;
    f.frameActivation = m_frameMean;
    f.msPerStep = m_card.msPerStep;
    f.sheetDone = m_doneCount;
    f.sheetTotal = int(m_done.size());
    f.cacheDir = m_cacheDir;
    f.error = m_noRoom ? "no room for the card beside the maps: widen the window (or turn off the input frame, back-projection or top-9)"
                       : m_card.error;
}

std::string FeatvisView::statsJson(const ViewContext& c) const {
    return cv::format(
        "{\"on\": %s, \"layer\": \"%s\", \"channel\": %d, \"step\": %d, \"iterations\": %d, \"size\": %d, \"done\": %s, \"cached\": %s, "
        "\"activation\": %.9g, \"frame_activation\": %.9g, \"ms_per_step\": %g, \"cache_file\": \"%s\", \"sheet\": %s, "
        "\"sheet_done\": %d, \"sheet_total\": %d, \"card_rect\": %s, \"sheet_rect\": %s, \"no_room\": %s, \"error\": \"%s\"}",
        c.inputs.featvis ? "true" : "false", jsonEscape(m_asked.layer).c_str(), m_card.channel, m_card.step, m_asked.iterations, m_asked.size.width,
        m_card.done ? "true" : "false", m_card.cached ? "true" : "false", m_card.activation, m_frameMean, m_card.msPerStep, jsonEscape(m_card.cacheFile).c_str(),
        c.inputs.featvisSheet ? "true" : "false", m_doneCount, int(m_done.size()), gfx::rectJson(m_cardRect).c_str(), gfx::rectJson(m_sheetRect).c_str(),
        m_noRoom ? "true" : "false", jsonEscape(m_card.error).c_str());
}

bool FeatvisView::computing(const ViewContext& c) const {
    if (!c.inputs.featvis || c.comparing || c.act.empty()) return false;
    if (!mapsOfModel(c.act, c.shownLayer, c.pipeline.model())) return true;  // the new model's maps are still to come
    if (!m_hasAsked || m_asked.layer != c.shownLayer || m_asked.generation != c.generation) return true;
    if (m_workerDone) return false;  // every unit asked for was handed over (failed ones said in the messages)
    if (!m_card.error.empty() && !m_card.done) return false;  // said in the messages
    if (!m_card.done || m_card.channel != m_asked.channels.front()) return true;
    return c.inputs.featvisSheet && (m_done.empty() || m_doneCount < int(m_done.size()));
}

}  // namespace cnnscope::app
