// History range export through the frame sinks.
#include "record/history_export.hpp"

#include "record/sink.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace cnnscope {

Expected<int> exportHistory(const FrameHistory& history, int64_t first, int64_t last, const std::string& path,
                            const HistoryExportOptions& o) {
    if (last < first) return Error{"history export: the range ends before it starts"};
    const std::vector<HistoryFrame> frames = history.range(first, last);  // shared pixels: safe after eviction
    if (frames.empty())
        return Error{"history export: no kept frame in " + std::to_string(first) + ".." + std::to_string(last) + " (kept: " +
                     std::to_string(history.stats().firstIndex) + ".." + std::to_string(history.stats().lastIndex) + ")"};
    std::unique_ptr<FrameSink> sink;
    cv::Size size;
    cv::Mat resized;
    const int n = int(frames.size());
    for (int i = 0; i < n; ++i) {
        if (o.cancel && o.cancel->load()) return Error{"history export cancelled; nothing was written"};
        cv::Mat image = frames[size_t(i)].frame;
        if (o.render) {
            auto r = o.render(frames[size_t(i)]);
            if (!r) return Error{r.error()};
            image = *r;
        }
        if (image.empty() || image.type() != CV_8UC3) return Error{"history export: the view gave no 8-bit BGR image"};
        if (!sink) {
            size = image.size();
            double fps = o.fps;
            if (fps <= 0 && n > 1) {
                const double span = frames.back().seconds - frames.front().seconds;
                fps = span > 0 ? (n - 1) / span : 10.0;
            }
            auto s = openSink(path, size, fps > 0 ? fps : 10.0);
            if (!s) return Error{s.error()};
            sink = std::move(*s);
        }
        if (image.size() != size) {
            cv::resize(image, resized, size, 0, 0, cv::INTER_AREA);
            image = resized;
        }
        // Delay: until the next frame's timestamp (the last one repeats the previous delay).
        double delay = o.fps > 0 ? 1000.0 / o.fps : 100.0;
        if (o.fps <= 0 && n > 1) {
            const size_t a = size_t(std::min(i, n - 2));
            delay = (frames[a + 1].seconds - frames[a].seconds) * 1000.0;
            if (!(delay > 0)) delay = 100.0;
        }
        if (auto st = sink->write(image, int(std::lround(delay))); !st) return Error{st.error()};
        if (o.progress) o.progress(i + 1, n);
    }
    if (auto st = sink->finish(); !st) return Error{st.error()};
    return n;
}

}  // namespace cnnscope
