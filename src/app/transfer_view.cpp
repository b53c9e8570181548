// Style transfer in the window: Gatys et al. on the frame on screen, stepped by TransferWorker off
// the UI thread; the newest image, its maps at the selected layer and the losses shown as they come.
#include "app/transfer_view.hpp"

#include "app/recorder.hpp"
#include "app/view_options.hpp"
#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/image_header.hpp"
#include "core/render/mosaic.hpp"

#include <opencv2/imgcodecs.hpp>

namespace cnnscope::app {

namespace {

cv::Mat readStyleImage(const std::string& path, std::string& error) {
    if (auto st = checkImageFileHeader(path); !st) {  // a decompression bomb is refused before decoding
        error = "style image: " + st.error();
        return {};
    }
    cv::Mat m = cv::imread(path, cv::IMREAD_COLOR);
    if (m.empty()) error = "cannot read style image '" + path + "' (give a PNG, JPEG or BMP file)";
    return m;
}

std::string numbers(const std::vector<double>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + cv::format("%.9g", v[i]);
    return s + "]";
}
}  // namespace

Status TransferView::checkOptions(const std::string& style, const std::string& size, int iterations) {
    std::string error;
    if (readStyleImage(style, error).empty()) return Error{"--transfer: " + error};
    if (iterations < 1 || iterations > 100000) return Error{"--transfer-iterations must be between 1 and 100000"};
    if (!size.empty())
        if (auto s = parseTransferSize(size); !s) return Error{"--transfer-size: " + s.error()};
    return {};
}

Status TransferView::start(TransferRequest r, const std::string& styleImage, cv::Size size, uint64_t framesRendered) {
    std::string error;
    const cv::Mat style = readStyleImage(styleImage, error);
    if (style.empty()) return Error{"transfer: " + error};
    r.style = style;
    r.size = size.area() > 0 ? size : defaultTransferSize(r.content.size());
    m_worker.reset();  // a run in progress ends first
    m_worker = std::make_unique<TransferWorker>(std::move(r));
    m_shot = TransferSnapshot();
    m_seen = 0;
    m_style = styleImage;
    m_error.clear();
    m_start = Clock::now();
    m_frames = framesRendered;
    m_uiFps = 0;
    return {};
}

void TransferView::stop(bool close) {
    if (!m_worker) return;
    m_worker->stop();
    if (!close) return;  // the worker publishes its last state; the image stays on screen
    m_worker.reset();
    m_shot = TransferSnapshot();
}

void TransferView::save(const std::string& label, const Post& post) const {
    if (m_shot.image.empty()) {
        post("transfer: nothing to save yet", ui::Message::Level::Info);
        return;
    }
    const TransferLosses& l = m_shot.losses;
    const std::string name = datedName("cnnscope-transfer-", ".png");
    const cv::Mat out = withCaption(withCaption(m_shot.image, label + " | Gatys transfer"),
                                    cv::format("iteration %d | loss %.4g", int(m_shot.totals.size()), l.total));
    auto st = writeImageAtomic(name, out);
    post(st ? "saved " + name : st.error(), st ? ui::Message::Level::Info : ui::Message::Level::Error);
}

bool TransferView::update(const std::string& layer, uint64_t framesRendered, const Post& post) {
    m_worker->setLayer(layer);
    const bool wasRunning = m_shot.running || m_seen == 0;
    if (!m_worker->take(m_shot, m_seen)) return false;
    if (!m_shot.error.empty()) {
        m_error = m_shot.error;
        post("transfer: " + m_error, ui::Message::Level::Error);
    }
    if (wasRunning && !m_shot.running) {
        const double s = std::chrono::duration<double>(Clock::now() - m_start).count();
        m_uiFps = s > 0 ? double(framesRendered - m_frames) / s : 0;
        if (m_shot.error.empty())
            post(cv::format("transfer: %s after %d iterations, loss %.4g", m_shot.finished ? "done" : "stopped", int(m_shot.totals.size()),
                            m_shot.losses.total),
                 ui::Message::Level::Info);
    }
    return true;
}

void TransferView::panel(ui::PanelInfo& info, const ViewContext& c) const {
    ui::TransferInfo& t = info.transfer;
    const bool untrained = c.pipeline.model().untrained();
    t.error = m_error;
    t.active = m_worker != nullptr;
    if (!m_worker) return;
    const TransferSnapshot& s = m_shot;
    const TransferLosses& l = s.losses;
    t.running = s.running;
    t.untrained = untrained;
    t.iteration = int(s.totals.size());  // iterations done
    t.iterations = s.iterations;
    t.size = s.size;
    t.total = l.total;
    t.content = l.content;
    t.style = l.style;
    t.tv = l.tv;
    t.forwardMs = l.forwardMs;
    t.backwardMs = l.backwardMs;
    t.itPerSec = s.seconds > 0 ? double(s.totals.size()) / s.seconds : 0;
    t.styleLayers = TransferOptions().styleLayers;
    t.gramDistance = l.gramDistance;
    t.totals.assign(s.totals.begin(), s.totals.end());
    t.styleImage = m_style;
}

std::string TransferView::bannerText(bool untrained) const {
    const TransferSnapshot& s = m_shot;
    if (s.totals.empty()) return "Gatys transfer" + std::string(untrained ? " (untrained VGG19)" : "") + ": starting...";
    double gram = 0;
    for (double g : s.losses.gramDistance) gram += g / double(s.losses.gramDistance.size());
    return cv::format("Gatys transfer%s: iteration %d/%d, loss %.4g, mean Gram distance to the style %.3f%s",
                      untrained ? " (untrained VGG19)" : "", int(s.totals.size()), s.iterations, s.losses.total, gram,
                      s.running ? "" : (s.finished ? " (done)" : " (stopped)"));
}

std::string TransferView::statsJson(const ViewContext& c) const {
    if (!m_worker && m_error.empty()) return "null";
    const gfx::PixelRect& frameRect = c.screen.frameRect;
    const TransferSnapshot& s = m_shot;
    const TransferLosses& l = s.losses;
    return "{\"style_image\": \"" + jsonEscape(m_style) + "\", \"error\": \"" + jsonEscape(m_error) +
           cv::format("\", \"iterations\": %d, \"iterations_asked\": %d, \"size\": [%d, %d], \"seconds\": %.4f, "
                      "\"iterations_per_second\": %.4f, \"ui_fps\": %.3f, ",
                      int(s.totals.size()), s.iterations, s.size.width, s.size.height, s.seconds,
                      s.seconds > 0 ? double(s.totals.size()) / s.seconds : 0.0, m_uiFps) +
           cv::format("\"total\": %.9g, \"content\": %.9g, \"style\": %.9g, \"tv\": %.9g, \"forward_ms\": %.3f, \"backward_ms\": %.3f, ",
                      l.total, l.content, l.style, l.tv, l.forwardMs, l.backwardMs) +
           "\"losses\": " + numbers(s.totals) + ", \"gram_distance\": " + numbers(l.gramDistance) +
           cv::format(", \"layer\": \"%s\", \"frame_rect\": {\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}}",
                      jsonEscape(s.layer).c_str(), frameRect.x, frameRect.y, frameRect.w, frameRect.h);
}

// [SECTION] The view contract.

Status TransferView::checkOptions(const detail::ViewOptions& o, bool) {
    if (o.transfer.empty()) return {};
    if (auto st = checkOptions(o.transfer, o.transferSize, o.transferIterations); !st) return st;
    m_scriptStyle = o.transfer;
    m_scriptSize = o.transferSize;
    m_scriptIterations = o.transferIterations;
    return {};
}

Status TransferView::start(ViewContext& c, const std::string& styleImage, int iterations) {
    if (c.result.frame.empty()) return Error{"transfer: no frame on screen yet"};
    const Model& m = c.pipeline.model();
    TransferRequest r;
    r.common = c.common;
    r.common.model = m.untrained() ? std::string() : m.source();
    r.common.untrained = m.untrained();
    r.target = m.target().actual;
    r.content = c.result.frame.clone();
    cv::Size size;  // empty: the default working size
    if (!m_scriptSize.empty() && m_scriptStyle == styleImage)
        if (auto s = parseTransferSize(m_scriptSize); s) size = *s;
    r.layer = c.view.layer;
    r.iterations = iterations;
    if (auto st = start(std::move(r), styleImage, size, c.framesRendered); !st) return st;
    c.pipeline.setPaused(true);
    c.view.showInput = true;  // the image as it changes, beside its maps
    c.window.post("transfer: " + std::to_string(iterations) + " iterations towards " + styleImage, ui::Message::Level::Info);
    return {};
}

bool TransferView::supplyMaps(ViewContext& c) {
    if (!m_scriptStyle.empty() && !m_autoStarted && !c.result.frame.empty()) {
        m_autoStarted = true;
        if (auto st = start(c, m_scriptStyle, m_scriptIterations); !st) m_error = st.error();
    }
    if (!active()) return false;
    const Post post = [&c](const std::string& text, ui::Message::Level level) { c.window.post(text, level); };
    if (!update(c.view.layer, c.framesRendered, post)) return true;
    if (!m_shot.act.empty()) c.window.showMaps(m_shot.act, m_shot.layer, m_shot.image);
    return true;
}

bool TransferView::onPanelEvent(const ui::PanelEvent& e, ViewContext& c) {
    using K = ui::PanelEvent::Kind;
    const Post post = [&c](const std::string& text, ui::Message::Level level) { c.window.post(text, level); };
    switch (e.kind) {
        case K::TransferStart:
            if (auto st = start(c, e.text, int(e.value)); !st) post(st.error(), ui::Message::Level::Error);
            return true;
        case K::TransferStop:
            if (!active()) return true;
            stop(e.text == "close");
            if (e.text != "close") return true;
            c.window.restoreLiveMaps();  // the pipeline's frame and maps come back
            post("transfer closed", ui::Message::Level::Info);
            return true;
        case K::TransferSave: save(session::pipelineLabel(c.pipeline.model(), c.pipeline.styleLabel()), post); return true;
        default: return false;
    }
}

std::string TransferView::banner(const ViewContext& c) const { return active() ? bannerText(c.pipeline.model().untrained()) : std::string(); }

std::string TransferView::captionSuffix(const ViewContext&) const {
    if (!active() || m_shot.totals.empty()) return {};  // the view shows the transfer's image and its maps
    return cv::format(" | Gatys transfer iteration %d, loss %.4g", int(m_shot.totals.size()), m_shot.losses.total);
}

int TransferView::scriptState(const ViewContext& c, std::string* error) const {
    if (m_scriptStyle.empty()) return 1;
    if (!m_error.empty()) {
        if (error) *error = m_error;
        return -1;
    }
    return m_shot.finished && m_shot.layer == c.view.layer ? 1 : 0;
}

}  // namespace cnnscope::app
