// CPU colormaps.
#include "core/render/colormap.hpp"

#include "core/base/parse.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace cnnscope {

namespace {

struct Segment {
    float x, y;
};

// matplotlib's LinearSegmentedColormap rule for data without jumps: linear between anchors.
float piecewise(const std::vector<Segment>& seg, float x) {
    for (size_t i = 1; i < seg.size(); ++i)
        if (x <= seg[i].x) {
            const float t = (x - seg[i - 1].x) / (seg[i].x - seg[i - 1].x);
            return seg[i - 1].y + t * (seg[i].y - seg[i - 1].y);
        }
    return seg.back().y;
}

Lut segmentedLut(const std::vector<Segment>& r, const std::vector<Segment>& g, const std::vector<Segment>& b) {
    Lut lut;
    for (int i = 0; i < 256; ++i) {
        const float x = float(i) / 255.f;
        lut[size_t(i)] = cv::Vec3f(piecewise(r, x), piecewise(g, x), piecewise(b, x));
    }
    return lut;
}

Lut opencvLut(int cvMap) {
    cv::Mat ramp(1, 256, CV_8UC1), colored;
    for (int i = 0; i < 256; ++i) ramp.at<uchar>(0, i) = uchar(i);
    cv::applyColorMap(ramp, colored, cvMap);
    Lut lut;
    for (int i = 0; i < 256; ++i) {
        const cv::Vec3b bgr = colored.at<cv::Vec3b>(0, i);
        lut[size_t(i)] = cv::Vec3f(bgr[2] / 255.f, bgr[1] / 255.f, bgr[0] / 255.f);
    }
    return lut;
}

// matplotlib's RdBu_r: ColorBrewer's 11 RdBu anchors (matplotlib's _RdBu_data) reversed, equally
// spaced and interpolated linearly (LinearSegmentedColormap.from_list).
Lut rdbuLut() {
    static const float kRdBu[11][3] = {{103, 0, 31},    {178, 24, 43},    {214, 96, 77},    {244, 165, 130},
                                       {253, 219, 199}, {247, 247, 247}, {209, 229, 240}, {146, 197, 222},
                                       {67, 147, 195},  {33, 102, 172},   {5, 48, 97}};
    std::vector<Segment> ch[3];
    for (int i = 0; i < 11; ++i)
        for (int k = 0; k < 3; ++k) ch[k].push_back({float(i) / 10.f, kRdBu[10 - i][k] / 255.f});
    return segmentedLut(ch[0], ch[1], ch[2]);
}

Lut makeLut(Colormap c) {
    switch (c) {
        case Colormap::Hot:
            return segmentedLut({{0.f, 0.0416f}, {0.365079f, 1.f}, {1.f, 1.f}},
                                {{0.f, 0.f}, {0.365079f, 0.f}, {0.746032f, 1.f}, {1.f, 1.f}},
                                {{0.f, 0.f}, {0.746032f, 0.f}, {1.f, 1.f}});
        case Colormap::Gray: return segmentedLut({{0, 0}, {1, 1}}, {{0, 0}, {1, 1}}, {{0, 0}, {1, 1}});
        case Colormap::Viridis: return opencvLut(cv::COLORMAP_VIRIDIS);
        case Colormap::Inferno: return opencvLut(cv::COLORMAP_INFERNO);
        case Colormap::Magma: return opencvLut(cv::COLORMAP_MAGMA);
        case Colormap::Turbo: return opencvLut(cv::COLORMAP_TURBO);
        case Colormap::Bwr:
            return segmentedLut({{0, 0}, {0.5f, 1}, {1, 1}}, {{0, 0}, {0.5f, 1}, {1, 0}}, {{0, 1}, {0.5f, 1}, {1, 0}});
        case Colormap::Rdbu: return rdbuLut();
    }
    return {};
}

}  // namespace

const std::vector<std::string>& colormapNames() {
    static const std::vector<std::string> names = {"hot", "gray", "viridis", "inferno", "magma", "turbo", "bwr", "rdbu"};
    return names;
}

const char* colormapName(Colormap c) { return colormapNames()[size_t(c)].c_str(); }

Expected<Colormap> parseColormap(const std::string& name) {
    const std::string n = lower(name);
    const auto& names = colormapNames();
    for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == n || (n == "grey" && names[i] == "gray")) return Colormap(i);
    std::string list;
    for (const auto& s : names) list += (list.empty() ? "" : ", ") + s;
    return Error{"unknown colormap '" + name + "'; choose one of: " + list};
}

const Lut& colormapLut(Colormap c) {
    static std::once_flag once;
    static std::array<Lut, 8> luts;
    std::call_once(once, [] {
        for (size_t i = 0; i < luts.size(); ++i) luts[i] = makeLut(Colormap(i));
    });
    return luts[size_t(c)];
}

cv::Vec3b lutBgr8(Colormap c, int index) {
    const cv::Vec3f rgb = colormapLut(c)[size_t(index)];
    return cv::Vec3b(cv::saturate_cast<uchar>(std::lround(rgb[2] * 255.f)), cv::saturate_cast<uchar>(std::lround(rgb[1] * 255.f)),
                     cv::saturate_cast<uchar>(std::lround(rgb[0] * 255.f)));
}

void colorizeScaled(const float* plane, int H, int W, Range range, float gamma, Colormap c, cv::Mat& dst) {
    constexpr int kMaxWidth = 8192;
    CV_Assert(W > 0 && H > 0 && W <= kMaxWidth && dst.cols <= kMaxWidth && dst.type() == CV_8UC3);
    cv::Vec3b lut[256];
    for (int i = 0; i < 256; ++i) lut[i] = lutBgr8(c, i);
    cv::Vec3b row[kMaxWidth];
    int xs[kMaxWidth];
    const int D = dst.cols;
    for (int x = 0; x < D; ++x) xs[x] = std::min(W - 1, int((x + 0.5) * W / D));
    int lastSy = -1;
    for (int y = 0; y < dst.rows; ++y) {
        const int sy = std::min(H - 1, int((y + 0.5) * H / dst.rows));
        if (sy != lastSy) {  // each source row is coloured once
            const float* src = plane + size_t(sy) * W;
            for (int x = 0; x < W; ++x) row[x] = lut[lutIndex(normalizeValue(src[x], range, gamma))];
            lastSy = sy;
        }
        cv::Vec3b* d = dst.ptr<cv::Vec3b>(y);
        if (D == W) std::copy(row, row + W, d);
        else
            for (int x = 0; x < D; ++x) d[x] = row[xs[x]];
    }
}

void colorize(const cv::Mat& plane, Range range, float gamma, Colormap c, cv::Mat& dst) {
    CV_Assert(plane.type() == CV_32F && plane.dims == 2 && plane.isContinuous());
    dst.create(plane.size(), CV_8UC3);
    colorizeScaled(plane.ptr<float>(), plane.rows, plane.cols, range, gamma, c, dst);
}

}  // namespace cnnscope
