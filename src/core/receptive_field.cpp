// Receptive-field geometry and channel peaks.
#include "core/receptive_field.hpp"

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
