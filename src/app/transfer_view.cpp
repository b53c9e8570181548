// Style transfer in the window: Gatys et al. on the frame on screen, stepped by TransferWorker off
// the UI thread; the newest image, its maps at the selected layer and the losses shown as they come.
#include "app/transfer_view.hpp"

#include "app/recorder.hpp"
#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/image_header.hpp"
#include "core/render/mosaic.hpp"

#include <opencv2/imgcodecs.hpp>

namespace cnnscope::app {

namespace {
constexpr int kTransferSide = 256;  // default working size: the longer side, as `cnnscope transfer`

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
        if (auto s = parseSize(size, 16, 2048); !s) return Error{"--transfer-size: " + s.error()};
    return {};
}

Status TransferView::start(TransferRequest r, const std::string& styleImage, cv::Size size, uint64_t framesRendered) {
    std::string error;
    const cv::Mat style = readStyleImage(styleImage, error);
    if (style.empty()) return Error{"transfer: " + error};
    r.style = style;
    r.size = size.area() > 0 ? size : TransferWorker::workSize(r.content.size(), kTransferSide);
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

void TransferView::info(ui::TransferInfo& t, bool untrained) const {
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

std::string TransferView::banner(bool untrained) const {
    const TransferSnapshot& s = m_shot;
    if (s.totals.empty()) return "Gatys transfer" + std::string(untrained ? " (untrained VGG19)" : "") + ": starting...";
    double gram = 0;
    for (double g : s.losses.gramDistance) gram += g / double(s.losses.gramDistance.size());
    return cv::format("Gatys transfer%s: iteration %d/%d, loss %.4g, mean Gram distance to the style %.3f%s",
                      untrained ? " (untrained VGG19)" : "", int(s.totals.size()), s.iterations, s.losses.total, gram,
                      s.running ? "" : (s.finished ? " (done)" : " (stopped)"));
}

std::string TransferView::statsJson(const gfx::PixelRect& frameRect) const {
    if (!m_worker && m_error.empty()) return "  \"transfer\": null,\n";
    const TransferSnapshot& s = m_shot;
    const TransferLosses& l = s.losses;
    return "  \"transfer\": {\"style_image\": \"" + jsonEscape(m_style) + "\", \"error\": \"" + jsonEscape(m_error) +
           cv::format("\", \"iterations\": %d, \"iterations_asked\": %d, \"size\": [%d, %d], \"seconds\": %.4f, "
                      "\"iterations_per_second\": %.4f, \"ui_fps\": %.3f, ",
                      int(s.totals.size()), s.iterations, s.size.width, s.size.height, s.seconds,
                      s.seconds > 0 ? double(s.totals.size()) / s.seconds : 0.0, m_uiFps) +
           cv::format("\"total\": %.9g, \"content\": %.9g, \"style\": %.9g, \"tv\": %.9g, \"forward_ms\": %.3f, \"backward_ms\": %.3f, ",
                      l.total, l.content, l.style, l.tv, l.forwardMs, l.backwardMs) +
           "\"losses\": " + numbers(s.totals) + ", \"gram_distance\": " + numbers(l.gramDistance) +
           cv::format(", \"layer\": \"%s\", \"frame_rect\": {\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}},\n",
                      jsonEscape(s.layer).c_str(), frameRect.x, frameRect.y, frameRect.w, frameRect.h);
}

}  // namespace cnnscope::app
