// The window's recorder (offscreen render, PBO read-back, bounded encoder) and dated file names.
#include "app/recorder.hpp"

#include "record/sink.hpp"

#include <opencv2/core/utility.hpp>

#include <cmath>
#include <ctime>
#include <filesystem>

namespace cnnscope::app {

std::string datedName(const std::string& prefix, const char* ext) {
    char stamp[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&t));
    std::string name = prefix + stamp + ext;
    std::error_code ec;
    for (int n = 2; std::filesystem::symlink_status(name, ec).type() != std::filesystem::file_type::not_found; ++n)
        name = prefix + stamp + "-" + std::to_string(n) + ext;
    return name;
}

Status Recorder::start(const std::string& path, const RecordSettings& settings, const Annotate& annotate,
                       gfx::OffscreenTarget& offscreen) {
    if (m_encoder) return {};
    m_settings = settings;
    // Caption (and colorbar) make the frame larger than the view; video encoders want even sizes.
    m_frameSize = annotate(cv::Mat(m_settings.size, CV_8UC3), "x", m_settings.colorbar).size();
    m_frameSize.width += m_frameSize.width % 2;
    m_frameSize.height += m_frameSize.height % 2;
    auto sink = openSink(path, m_frameSize, m_settings.fps);
    if (!sink) return Error{sink.error()};
    m_encoder = std::make_unique<AsyncEncoder>(std::move(*sink), 8);
    m_path = path;
    m_start = Clock::now();
    m_last = m_start - std::chrono::seconds(10);  // the first frame goes at once
    m_pending.clear();
    offscreen.dropPending();
    m_status.clear();
    return {};
}

cv::Mat Recorder::fileFrame(const cv::Mat& pixels, const std::string& caption, const Annotate& annotate) const {
    cv::Mat out = annotate(pixels, caption, m_settings.colorbar);
    if (out.size() != m_frameSize)
        cv::copyMakeBorder(out, out, 0, m_frameSize.height - out.rows, 0, m_frameSize.width - out.cols, cv::BORDER_CONSTANT);
    return out;
}

void Recorder::tick(gfx::OffscreenTarget& offscreen, const Annotate& annotate, const RenderView& render) {
    if (!m_encoder) return;
    cv::Mat pixels;
    while (!m_pending.empty() && offscreen.collect(pixels)) {
        const PendingFrame f = m_pending.front();
        m_pending.pop_front();
        m_encoder->submit(fileFrame(pixels, f.caption, annotate), f.delayMs);  // dropped and counted when full
    }
    const auto now = Clock::now();
    const double since = std::chrono::duration<double>(now - m_last).count();
    if (since < 1.0 / m_settings.fps || m_pending.size() >= 2) return;
    const int delayMs = m_encoder->stats().written + int(m_pending.size()) == 0 ? int(1000.0 / m_settings.fps)
                                                                                : int(std::lround(since * 1000.0));
    std::string caption = render();
    offscreen.requestRead();
    m_pending.push_back({std::move(caption), std::max(20, delayMs)});
    m_last = now;
}

Status Recorder::stop(gfx::OffscreenTarget& offscreen, const Annotate& annotate) {
    if (!m_encoder) return {};
    cv::Mat pixels;
    while (!m_pending.empty() && offscreen.collect(pixels)) {
        m_encoder->submit(fileFrame(pixels, m_pending.front().caption, annotate), m_pending.front().delayMs, true);
        m_pending.pop_front();
    }
    m_pending.clear();
    Status st = m_encoder->finish();
    const EncoderStats s = m_encoder->stats();
    m_encoder.reset();
    m_status = st ? cv::format("saved %s: %d frames, %d dropped, %.1f ms encode per frame", m_path.c_str(), s.written, s.dropped,
                               s.encodeMs)
                  : st.error();
    return st;
}

std::string Recorder::progressText() const {
    if (!m_encoder) return m_status;
    const EncoderStats e = m_encoder->stats();
    return cv::format("%.1f s, %d frames written, %d dropped, %.0f ms encode per frame",
                      std::chrono::duration<double>(Clock::now() - m_start).count(), e.written, e.dropped, e.encodeMs);
}

}  // namespace cnnscope::app
