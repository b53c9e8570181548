// The window's trained-weights download: start, cancel, progress for the banner and the panel.
#include "app/weights_download.hpp"

#include "core/base/parse.hpp"
#include "fetch/model_fetch.hpp"

#include <opencv2/core/utility.hpp>

namespace cnnscope::app {

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

Expected<std::string> WeightsDownload::start(const std::string& entry) {
    if (m_download) {
        if (entry == m_entry) return std::string();  // already under way
        return Error{"download: " + m_entry + " is still downloading; cancel it first (the panel's Cancel)"};
    }
    std::string catalogue;
    auto d = startModelDownload(entry, &catalogue);
    if (!d) return Error{"download: " + d.error()};
    m_download = std::move(*d);
    m_entry = entry;
    m_what = entry == kDefaultFetchEntry ? "VGG19 weights" : entry == kTopFetchEntry ? "VGG19 with its classifier head" : entry;
    return "downloading " + m_what + " to " + m_download->request().destPath + (catalogue.empty() ? "" : " (using " + catalogue + ")");
}

void WeightsDownload::cancel() {
    if (m_download) m_download->cancel();
}

std::optional<WeightsDownload::Outcome> WeightsDownload::poll() {
    if (!m_download || !m_download->finished()) return std::nullopt;
    const DownloadProgress p = m_download->progress();
    const std::string path = m_download->request().destPath;
    (void)m_download->wait();  // joins; the outcome is in p
    m_download.reset();
    m_lastState = stateName(p.state);
    if (p.state == DownloadState::Cancelled) return Outcome{ui::Message::Level::Info, "download cancelled; nothing was changed", ""};
    if (p.state != DownloadState::Succeeded) return Outcome{ui::Message::Level::Error, "download failed: " + p.message, ""};
    return Outcome{ui::Message::Level::Info, "downloaded " + path + (p.note.empty() ? "" : " (" + p.note + ")"), path};
}

void WeightsDownload::fill(ui::PanelInfo& info) const {
    if (!m_download) return;
    const DownloadProgress p = m_download->progress();
    info.download.running = true;
    info.download.entry = m_entry;
    info.download.fraction = p.total > 0 ? double(p.bytes) / double(p.total) : -1;
    std::string d = p.state == DownloadState::Verifying ? "checking " : "";
    d += formatBytes(p.bytes);
    if (p.total > 0) d += " of " + formatBytes(p.total);
    if (p.bytesPerSecond > 0) d += ", " + formatBytes(int64_t(p.bytesPerSecond)) + "/s";
    if (p.secondsLeft >= 0) d += ", " + formatDuration(p.secondsLeft) + " left";
    info.download.detail = d;
}

std::string WeightsDownload::bannerText() const {
    if (!m_download) return {};
    const DownloadProgress p = m_download->progress();
    std::string t = "downloading " + m_what + ": " + formatBytes(p.bytes);
    if (p.total > 0) t += " of " + formatBytes(p.total) + cv::format(" (%.0f%%)", 100.0 * double(p.bytes) / double(p.total));
    if (p.secondsLeft >= 0) t += ", " + formatDuration(p.secondsLeft) + " left";
    return t;
}

std::string WeightsDownload::json() const {
    if (!m_download) return "  \"download\": {\"state\": \"" + m_lastState + "\", \"entry\": \"" + m_entry + "\"},\n";
    const DownloadProgress p = m_download->progress();
    return cv::format("  \"download\": {\"state\": \"%s\", \"entry\": \"%s\", \"bytes\": %lld, \"total\": %lld},\n", stateName(p.state),
                      m_entry.c_str(), (long long)p.bytes, (long long)p.total);
}

}  // namespace cnnscope::app
