// The window's trained-weights download (background Download, progress, cancel, live model
// reload when done) and the convolution kernel choice (process-wide mode, what really runs).
#include "app/gui_impl.hpp"

#include "core/model/conv_mode.hpp"
#include "fetch/model_fetch.hpp"

namespace cnnscope::app::detail {

namespace {
const char* stateName(DownloadState s) {
    switch (s) {
        case DownloadState::Idle: return "idle";
        case DownloadState::Running: return "running";
        case DownloadState::Verifying: return "verifying";
        case DownloadState::Succeeded: return "succeeded";
        case DownloadState::Failed: return "failed";
        case DownloadState::Cancelled: return "cancelled";
    }
    return "idle";
}
}  // namespace

void Gui::startDownload() {
    if (m_download) return;
    auto d = startModelDownload();
    if (!d) {
        post("download: " + d.error(), ui::Message::Level::Error);
        return;
    }
    m_download = std::move(*d);
    post("downloading VGG19 weights to " + m_download->request().destPath);
}

void Gui::cancelDownload() {
    if (m_download) m_download->cancel();
}

// Called once per UI frame: a finished download reloads the model (success) or says why not.
void Gui::pollDownload() {
    if (!m_download || !m_download->finished()) return;
    const DownloadProgress p = m_download->progress();
    const std::string path = m_download->request().destPath;
    (void)m_download->wait();  // joins; the outcome is in p
    m_download.reset();
    m_downloadState = stateName(p.state);
    if (p.state == DownloadState::Cancelled) {
        post("download cancelled; nothing was changed");
        return;
    }
    if (p.state != DownloadState::Succeeded) {
        post("download failed: " + p.message, ui::Message::Level::Error);
        return;
    }
    post("downloaded " + path + (p.note.empty() ? "" : " (" + p.note + ")"));
    m_inputs.modelText = path;
    applyPanelEvent({ui::PanelEvent::Kind::LoadModel, path});  // the window's model-reload path
}

void Gui::setConv(const std::string& name) {
    auto mode = parseConvMode(name);
    if (!mode) {
        post("--conv: " + mode.error(), ui::Message::Level::Error);
        return;
    }
    setConvMode(*mode);
    m_opts.common.conv = convModeName(*mode);  // a later model or target reload keeps it
    // The frame on screen is computed again with the new kernel (and cached layers are stale).
    m_layerCache.clear();
    m_prefetchFrameId = 0;
    m_pipeline->recompute();
    post(std::string("convolution: ") + convModeName(*mode));
}

bool Gui::convReportCurrent() const {
    const auto conv = m_pipeline->stats().conv;
    return !conv || conv->summary.rfind(std::string(convModeName(convMode())) + ":", 0) == 0;
}

void Gui::cycleConv() {
    setConv(convModeName(ConvMode((int(convMode()) + 1) % 4)));
}

void Gui::fillExtras(ui::PanelInfo& info) const {
    info.convMode = convModeName(convMode());
    if (const auto conv = m_pipeline->stats().conv) {
        info.convSummary = conv->summary;
        for (const ConvLayerReport& l : conv->layers) info.convLayers.push_back(l.name + ": " + describe(l) + (l.planned ? " (planned)" : ""));
    }
    if (!m_download) return;
    const DownloadProgress p = m_download->progress();
    info.download.running = true;
    info.download.fraction = p.total > 0 ? double(p.bytes) / double(p.total) : -1;
    std::string d = p.state == DownloadState::Verifying ? "checking " : "";
    d += formatBytes(p.bytes);
    if (p.total > 0) d += " of " + formatBytes(p.total);
    if (p.bytesPerSecond > 0) d += ", " + formatBytes(int64_t(p.bytesPerSecond)) + "/s";
    if (p.secondsLeft >= 0) d += ", " + formatDuration(p.secondsLeft) + " left";
    info.download.detail = d;
}

std::string Gui::downloadBannerText() const {
    if (!m_download) return {};
    const DownloadProgress p = m_download->progress();
    std::string t = "downloading VGG19 weights: " + formatBytes(p.bytes);
    if (p.total > 0) t += " of " + formatBytes(p.total) + cv::format(" (%.0f%%)", 100.0 * double(p.bytes) / double(p.total));
    if (p.secondsLeft >= 0) t += ", " + formatDuration(p.secondsLeft) + " left";
    return t;
}

// Lines for the stats JSON: "conv" (what runs, as bench --json) and "download".
std::string Gui::extrasJson() const {
    const auto conv = m_pipeline->stats().conv;
    std::string j = "  \"conv_mode\": \"" + std::string(convModeName(convMode())) + "\",\n";
    j += "  \"conv\": " + (conv ? convReportJson(*conv) : std::string("null")) + ",\n";
    j += "  \"model_source\": \"" + jsonEscape(m_pipeline->model().source()) + "\",\n";
    if (m_download) {
        const DownloadProgress p = m_download->progress();
        j += cv::format("  \"download\": {\"state\": \"%s\", \"bytes\": %lld, \"total\": %lld},\n", stateName(p.state),
                        (long long)p.bytes, (long long)p.total);
    } else {
        j += "  \"download\": {\"state\": \"" + m_downloadState + "\"},\n";
    }
    return j;
}

}  // namespace cnnscope::app::detail
