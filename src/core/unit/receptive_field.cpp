// Receptive-field geometry and channel peaks.
#include "core/unit/receptive_field.hpp"

#include <cmath>
#include <limits>

namespace cnnscope {

cv::Rect2d blobToFrame(const cv::Rect& r, cv::Size inputSize, cv::Size frameSize) {
    const double sx = double(frameSize.width) / std::max(1, inputSize.width);
    const double sy = double(frameSize.height) / std::max(1, inputSize.height);
    return cv::Rect2d(r.x * sx, r.y * sy, r.width * sx, r.height * sy);
}

ReceptiveField receptiveField(const LayerInfo& layer, int y, int x, cv::Size inputSize, cv::Size frameSize) {
    ReceptiveField f;
    const int rf = layer.receptiveField, s = layer.stride, o = layer.rfOffset;
    f.blob = cv::Rect(o + x * s, o + y * s, rf, rf);
    f.blobClipped = f.blob & cv::Rect(cv::Point(0, 0), inputSize);
    f.frameExact = blobToFrame(f.blob, inputSize, frameSize);
    // A tiny tolerance keeps exact integer edges (e.g. 2.0000000001) from growing a pixel.
    const double eps = 1e-9;
    const int x0 = int(std::floor(f.frameExact.x + eps)), y0 = int(std::floor(f.frameExact.y + eps));
    const int x1 = int(std::ceil(f.frameExact.x + f.frameExact.width - eps));
    const int y1 = int(std::ceil(f.frameExact.y + f.frameExact.height - eps));
    f.frame = cv::Rect(x0, y0, x1 - x0, y1 - y0);
    f.frameClipped = f.frame & cv::Rect(cv::Point(0, 0), frameSize);
    return f;
}

namespace {

// Input-blob rows/cols [lo, hi] that map positions [lo, hi] of `row` read, traced down to row 0:
// the first and last tap of the layer's window that land inside the map below (with dilation
// the taps have gaps, so the last one inside need not be the map's last pixel).
bool traceBack(const std::vector<LayerInfo>& rows, size_t row, int axis, int& lo, int& hi) {
    for (size_t r = row; r >= 1; --r) {
        const LayerInfo& l = rows[r];
        const LayerInfo& below = rows[r - 1];
        if (!l.chained || below.shape.size() != 3) return false;
        const int n = below.shape[size_t(1 + axis)];
        int newLo = n, newHi = -1;
        for (int o = lo; o <= hi; ++o)
            for (int j = 0; j < l.kernel; ++j) {
                const int t = o * l.step - l.pad + j * l.dilation;
                if (t < 0 || t >= n) continue;
                newLo = std::min(newLo, t);
                newHi = std::max(newHi, t);
            }
        if (newLo > newHi) return false;
        lo = newLo;
        hi = newHi;
    }
    return true;
}

}  // namespace

ReceptiveField receptiveField(const std::vector<LayerInfo>& rows, size_t row, int y, int x, cv::Size frameSize) {
    CV_Assert(row < rows.size() && !rows.empty() && rows[0].shape.size() == 3);
    const cv::Size inputSize(rows[0].shape[2], rows[0].shape[1]);
    ReceptiveField f = receptiveField(rows[row], y, x, inputSize, frameSize);
    int x0 = x, x1 = x, y0 = y, y1 = y;
    if (!traceBack(rows, row, 1, x0, x1) || !traceBack(rows, row, 0, y0, y1)) return f;
    f.blobClipped = cv::Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    const cv::Rect2d exact = blobToFrame(f.blobClipped, inputSize, frameSize);
    const double eps = 1e-9;
    const int fx0 = int(std::floor(exact.x + eps)), fy0 = int(std::floor(exact.y + eps));
    const int fx1 = int(std::ceil(exact.x + exact.width - eps)), fy1 = int(std::ceil(exact.y + exact.height - eps));
    f.frameClipped = cv::Rect(fx0, fy0, fx1 - fx0, fy1 - fy0) & cv::Rect(cv::Point(0, 0), frameSize);
    return f;
}

MapPeak strongestPosition(const cv::Mat& act, int channel) {
    MapPeak peak;
    if (act.dims != 4 || act.type() != CV_32F || channel < 0 || channel >= act.size[1]) return peak;
    const int H = act.size[2], W = act.size[3];
    const float* p = act.ptr<float>(0, channel);
    float best = -std::numeric_limits<float>::infinity();
    int at = -1;
    for (int i = 0; i < H * W; ++i)
        if (p[i] > best) {
            best = p[i];
            at = i;
        }
    if (at < 0) return peak;
    peak.pos = cv::Point(at % W, at / W);
    peak.value = best;
    return peak;
}

}  // namespace cnnscope
