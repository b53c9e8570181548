// Top-k accumulator: per-frame peaks, thumbnails on entry, snapshots for other threads.
#include "core/unit/topk.hpp"

#include "core/unit/receptive_field.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <limits>
#include <map>

namespace cnnscope {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
}

cv::Mat cutThumbnail(const cv::Mat& frame, const cv::Rect& field, int side, const cv::Scalar& pad) {
    cv::Mat crop(field.size(), CV_8UC3, pad);
    const cv::Rect inside = field & cv::Rect(0, 0, frame.cols, frame.rows);
    if (!inside.empty()) frame(inside).copyTo(crop(inside - field.tl()));
    cv::Mat thumb;
    const bool shrink = crop.cols > side || crop.rows > side;
    cv::resize(crop, thumb, cv::Size(side, side), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    return thumb;
}

namespace {

// The integral image at a real-valued point: bilinear between the four surrounding entries is
// exact for a piecewise-constant image (the area integral is bilinear inside each pixel).
inline cv::Vec3d integralAt(const cv::Mat& sum, double x, double y) {
    const int x0 = std::min(int(x), sum.cols - 2), y0 = std::min(int(y), sum.rows - 2);
    const double u = x - x0, v = y - y0;
    const cv::Vec3d* r0 = sum.ptr<cv::Vec3d>(y0);
    const cv::Vec3d* r1 = sum.ptr<cv::Vec3d>(y0 + 1);
    return (1 - v) * ((1 - u) * r0[x0] + u * r0[x0 + 1]) + v * ((1 - u) * r1[x0] + u * r1[x0 + 1]);
}

}  // namespace

cv::Mat areaThumbnail(const cv::Mat& sum, const cv::Rect& field, int side, const cv::Scalar& pad) {
    CV_Assert(sum.type() == CV_64FC3 && field.width >= side && field.height >= side);
    const double W = sum.cols - 1, H = sum.rows - 1;
    const double sx = double(field.width) / side, sy = double(field.height) / side, area = sx * sy;
    const cv::Vec3d padV(pad[0], pad[1], pad[2]);
    // The integral at every box corner (clamped to the image: outside it only padding adds).
    const size_t n = size_t(side) + 1;
    std::vector<double> xs(n), ys(n);
    for (size_t j = 0; j < n; ++j) xs[j] = std::clamp(field.x + double(j) * sx, 0.0, W);
    for (size_t i = 0; i < n; ++i) ys[i] = std::clamp(field.y + double(i) * sy, 0.0, H);
    std::vector<cv::Vec3d> g(n * n);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) g[i * n + j] = integralAt(sum, xs[j], ys[i]);
    cv::Mat thumb(side, side, CV_8UC3);
    for (size_t i = 0; i < n - 1; ++i) {
        cv::Vec3b* out = thumb.ptr<cv::Vec3b>(int(i));
        for (size_t j = 0; j < n - 1; ++j) {
            const double inside = (xs[j + 1] - xs[j]) * (ys[i + 1] - ys[i]);
            cv::Vec3d v = padV * (area - inside);
            if (inside > 0) v += g[(i + 1) * n + j + 1] - g[i * n + j + 1] - g[(i + 1) * n + j] + g[i * n + j];
            for (int c = 0; c < 3; ++c) out[j][c] = cv::saturate_cast<uchar>(v[c] / area);
        }
    }
    return thumb;
}

TopKAccumulator::TopKAccumulator(TopKOptions options) : m_options(options) {
    m_options.k = std::clamp(m_options.k, 1, 64);
    m_options.thumbSide = std::clamp(m_options.thumbSide, 8, 512);
}

size_t TopKAccumulator::budgetBytes(int channels, const TopKOptions& o) {
    return size_t(std::max(0, channels)) * size_t(o.k) * size_t(o.thumbSide) * size_t(o.thumbSide) * 3;
}

void TopKAccumulator::reset() {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (auto& c : m_channels) c.clear();
    std::fill(m_thresholds.begin(), m_thresholds.end(), kNegInf);
    m_framesSeen = 0;
    ++m_sequence;
}

void TopKAccumulator::cutThumbnails(const cv::Mat& frame, const LayerInfo& layer, cv::Size inputSize, int mapWidth) {
    const cv::Mat* bgr = &frame;
    if (frame.channels() == 1) {
        cv::cvtColor(frame, m_bgr, cv::COLOR_GRAY2BGR);
        bgr = &m_bgr;
    } else if (frame.channels() == 4) {
        cv::cvtColor(frame, m_bgr, cv::COLOR_BGRA2BGR);
        bgr = &m_bgr;
    }
    const int side = m_options.thumbSide;
    const cv::Rect frameRect(0, 0, bgr->cols, bgr->rows);
    // Shrinking fields are averaged from an integral image of the box they cover when that is
    // cheaper than copying each field (many or large fields, e.g. block5's after a reset).
    cv::Rect box;
    double fieldPixels = 0;
    for (Candidate& cand : m_candidates) {
        cand.field = receptiveField(layer, cand.pos.y, cand.pos.x, inputSize, bgr->size()).frame;
        if (cand.field.width < side || cand.field.height < side) continue;
        const cv::Rect in = cand.field & frameRect;
        box = box.empty() ? in : (in.empty() ? box : (box | in));
        fieldPixels += double(in.area());
    }
    const bool integral = !m_options.exactThumbnails && !box.empty() && fieldPixels > double(box.area());
    if (integral) cv::integral((*bgr)(box), m_integral, CV_64F);
    std::map<int, cv::Mat> cut;  // one thumbnail per map position of this frame
    for (Candidate& cand : m_candidates) {
        const int key = cand.pos.y * mapWidth + cand.pos.x;
        auto it = cut.find(key);
        if (it == cut.end()) {
            const bool shrink = cand.field.width >= side && cand.field.height >= side;
            // Outside `box` but inside the frame lies no field pixel, so the box's integral serves.
            cv::Mat thumb = integral && shrink ? areaThumbnail(m_integral, cand.field - box.tl(), side, m_options.padColour)
                                               : cutThumbnail(*bgr, cand.field, side, m_options.padColour);
            it = cut.emplace(key, std::move(thumb)).first;
        }
        cand.thumb = it->second;
    }
}

int TopKAccumulator::update(const cv::Mat& act, const cv::Mat& frame, const LayerInfo& layer, cv::Size inputSize,
                            int64_t frameIndex, double seconds) {
    CV_Assert(act.dims == 4 && act.type() == CV_32F && act.size[0] == 1);
    CV_Assert(!frame.empty() && frame.depth() == CV_8U);
    const int C = act.size[1], H = act.size[2], W = act.size[3];
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_layer != layer.name || int(m_channels.size()) != C) {
            m_layer = layer.name;
            m_channels.assign(size_t(C), {});
            m_thresholds.assign(size_t(C), kNegInf);
            m_framesSeen = 0;
            ++m_sequence;
        }
        m_localThresholds = m_thresholds;
    }
    // The scan: each channel's peak against its threshold, without the lock.
    m_candidates.clear();
    for (int c = 0; c < C; ++c) {
        const float* p = act.ptr<float>(0, c);
        float best = kNegInf;
        int at = -1;
        for (int i = 0; i < H * W; ++i)
            if (p[i] > best) {
                best = p[i];
                at = i;
            }
        if (at < 0 || !(best > m_localThresholds[size_t(c)])) continue;
        Candidate cand;
        cand.channel = c;
        cand.value = best;
        cand.pos = cv::Point(at % W, at / W);
        m_candidates.push_back(cand);
    }
    if (!m_candidates.empty()) cutThumbnails(frame, layer, inputSize, W);
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_framesSeen;
    if (m_layer != layer.name || int(m_channels.size()) != C) return 0;  // another layer was fed meanwhile
    int entered = 0;
    const size_t k = size_t(m_options.k);
    for (Candidate& cand : m_candidates) {
        auto& list = m_channels[size_t(cand.channel)];
        if (list.size() >= k && !(cand.value > list.back().value)) continue;  // a reset or merge raced us
        TopKEntry e;
        e.value = cand.value;
        e.frame = frameIndex;
        e.seconds = seconds;
        e.pos = cand.pos;
        e.field = cand.field;
        e.thumb = std::move(cand.thumb);
        // After every entry of equal value: the earlier frame ranks first.
        auto at = std::upper_bound(list.begin(), list.end(), e.value, [](float v, const TopKEntry& x) { return v > x.value; });
        list.insert(at, std::move(e));
        if (list.size() > k) list.pop_back();
        if (list.size() == k) m_thresholds[size_t(cand.channel)] = list.back().value;
        ++entered;
    }
    if (entered) ++m_sequence;
    return entered;
}

uint64_t TopKAccumulator::sequence() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_sequence;
}

TopKSnapshot TopKAccumulator::snapshot() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    TopKSnapshot s;
    s.sequence = m_sequence;
    s.layer = m_layer;
    s.k = m_options.k;
    s.thumbSide = m_options.thumbSide;
    s.framesSeen = m_framesSeen;
    s.channels = m_channels;
    return s;
}

std::vector<TopKEntry> TopKAccumulator::channel(int c, uint64_t* sequence) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (sequence) *sequence = m_sequence;
    if (c < 0 || c >= int(m_channels.size())) return {};
    return m_channels[size_t(c)];
}

}  // namespace cnnscope
