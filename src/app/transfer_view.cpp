// Style transfer in the window: Gatys et al. on the frame on screen, stepped by TransferWorker off
// the UI thread; the newest image, its maps at the selected layer and the losses shown as they come.
#include "app/gui_impl.hpp"

#include "core/io/image_header.hpp"
#include "core/render/mosaic.hpp"

#include <opencv2/imgcodecs.hpp>

namespace cnnscope::app::detail {

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

Status checkTransferOptions(const std::string& style, const std::string& size, int iterations) {
    std::string error;
    if (readStyleImage(style, error).empty()) return Error{"--transfer: " + error};
    if (iterations < 1 || iterations > 100000) return Error{"--transfer-iterations must be between 1 and 100000"};
    if (!size.empty())
        if (auto s = parseSize(size, 16, 2048); !s) return Error{"--transfer-size: " + s.error()};
    return {};
}

Status Gui::startTransfer(const std::string& styleImage, int iterations) {
    if (m_result.frame.empty()) return Error{"transfer: no frame on screen yet"};
    std::string error;
    const cv::Mat style = readStyleImage(styleImage, error);
    if (style.empty()) return Error{"transfer: " + error};
    TransferRequest r;
    r.common = m_opts.common;
    r.common.model = m_pipeline->model().untrained() ? std::string() : m_pipeline->model().source();
    r.common.untrained = m_pipeline->model().untrained();
    r.target = m_pipeline->model().target().actual;
    r.content = m_result.frame.clone();
    r.style = style;
    r.size = TransferWorker::workSize(r.content.size(), kTransferSide);
    if (!m_opts.transferSize.empty() && m_opts.transfer == styleImage)
        if (auto s = parseSize(m_opts.transferSize, 16, 2048); s) r.size = *s;
    r.layer = m_view.layer;
    r.iterations = iterations;
    m_transfer.reset();  // a run in progress ends first
    m_pipeline->setPaused(true);
    m_transfer = std::make_unique<TransferWorker>(std::move(r));
    m_transferShot = TransferSnapshot();
    m_transferSeen = 0;
    m_transferStyle = styleImage;
    m_transferError.clear();
    m_transferStart = Clock::now();
    m_transferFrames = m_stats.framesRendered();
    m_transferUiFps = 0;
    m_view.showInput = true;  // the image as it changes, beside its maps
    post("transfer: " + std::to_string(iterations) + " iterations towards " + styleImage);
    return {};
}

void Gui::stopTransfer(bool close) {
    if (!m_transfer) return;
    m_transfer->stop();
    if (!close) return;  // the worker publishes its last state; the image stays on screen
    m_transfer.reset();
    m_transferShot = TransferSnapshot();
    m_resultSeen = 0;  // the pipeline's frame and maps come back
    m_layerCache.clear();
    post("transfer closed");
}

void Gui::saveTransfer() {
    if (m_transferShot.image.empty()) {
        post("transfer: nothing to save yet");
        return;
    }
    const TransferLosses& l = m_transferShot.losses;
    const std::string name = datedName("cnnscope-transfer-", ".png");
    const cv::Mat out = withCaption(withCaption(m_transferShot.image, pipelineLabel() + " | Gatys transfer"),
                                    cv::format("iteration %d | loss %.4g", int(m_transferShot.totals.size()), l.total));
    auto st = writeImageAtomic(name, out);
    post(st ? "saved " + name : st.error(), st);
}

bool Gui::transferTick() {
    if (!m_opts.transfer.empty() && !m_transferAutoStarted && !m_result.frame.empty()) {
        m_transferAutoStarted = true;
        if (auto st = startTransfer(m_opts.transfer, m_opts.transferIterations); !st) m_transferError = st.error();
    }
    if (!m_transfer) return false;
    m_transfer->setLayer(m_view.layer);
    const bool wasRunning = m_transferShot.running || m_transferSeen == 0;
    if (!m_transfer->take(m_transferShot, m_transferSeen)) return true;
    if (!m_transferShot.error.empty()) {
        m_transferError = m_transferShot.error;
        post("transfer: " + m_transferError, ui::Message::Level::Error);
    }
    if (wasRunning && !m_transferShot.running) {
        const double s = std::chrono::duration<double>(Clock::now() - m_transferStart).count();
        m_transferUiFps = s > 0 ? double(m_stats.framesRendered() - m_transferFrames) / s : 0;
        if (m_transferShot.error.empty())
            post(cv::format("transfer: %s after %d iterations, loss %.4g", m_transferShot.finished ? "done" : "stopped",
                            int(m_transferShot.totals.size()), m_transferShot.losses.total));
    }
    if (m_transferShot.act.empty()) return true;
    m_act = m_transferShot.act;
    m_shownLayer = m_transferShot.layer;
    refreshRanges();
    m_renderer.upload(m_act, m_ranges);
    m_renderer.uploadFrame(m_transferShot.image);
    return true;
}

int Gui::transferScriptState() {
    if (m_opts.transfer.empty()) return 1;
    if (!m_transferError.empty()) {
        m_exitCode = cli::fail(m_transferError);
        m_script.complete();  // failed, said so: no second "stopped" line
        return -1;
    }
    return m_transferShot.finished && m_transferShot.layer == m_view.layer ? 1 : 0;
}

void Gui::transferInfo(ui::TransferInfo& t) const {
    t.error = m_transferError;
    t.active = m_transfer != nullptr;
    if (!m_transfer) return;
    const TransferSnapshot& s = m_transferShot;
    const TransferLosses& l = s.losses;
    t.running = s.running;
    t.untrained = m_pipeline->model().untrained();
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
    t.styleImage = m_transferStyle;
}

std::string Gui::transferBanner() const {
    const TransferSnapshot& s = m_transferShot;
    if (s.totals.empty())
        return "Gatys transfer" + std::string(m_pipeline->model().untrained() ? " (untrained VGG19)" : "") + ": starting...";
    double gram = 0;
    for (double g : s.losses.gramDistance) gram += g / double(s.losses.gramDistance.size());
    return cv::format("Gatys transfer%s: iteration %d/%d, loss %.4g, mean Gram distance to the style %.3f%s",
                      m_pipeline->model().untrained() ? " (untrained VGG19)" : "", int(s.totals.size()), s.iterations, s.losses.total,
                      gram, s.running ? "" : (s.finished ? " (done)" : " (stopped)"));
}

std::string Gui::transferStatsJson() const {
    if (!m_transfer && m_transferError.empty()) return "  \"transfer\": null,\n";
    const TransferSnapshot& s = m_transferShot;
    const TransferLosses& l = s.losses;
    return "  \"transfer\": {\"style_image\": \"" + jsonEscape(m_transferStyle) + "\", \"error\": \"" + jsonEscape(m_transferError) +
           cv::format("\", \"iterations\": %d, \"iterations_asked\": %d, \"size\": [%d, %d], \"seconds\": %.4f, "
                      "\"iterations_per_second\": %.4f, \"ui_fps\": %.3f, ",
                      int(s.totals.size()), s.iterations, s.size.width, s.size.height, s.seconds,
                      s.seconds > 0 ? double(s.totals.size()) / s.seconds : 0.0, m_transferUiFps) +
           cv::format("\"total\": %.9g, \"content\": %.9g, \"style\": %.9g, \"tv\": %.9g, \"forward_ms\": %.3f, \"backward_ms\": %.3f, ",
                      l.total, l.content, l.style, l.tv, l.forwardMs, l.backwardMs) +
           "\"losses\": " + numbers(s.totals) + ", \"gram_distance\": " + numbers(l.gramDistance) +
           cv::format(", \"layer\": \"%s\", \"frame_rect\": {\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}},\n",
                      jsonEscape(s.layer).c_str(), m_frameRect.x, m_frameRect.y, m_frameRect.w, m_frameRect.h);
}

}  // namespace cnnscope::app::detail
