// Mosaics and single-channel renders.
#include "core/render/mosaic.hpp"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <sstream>
#include <cmath>

namespace cnnscope {

int autoTileScale(int side) { return side >= kMinTileSide ? 1 : (kMinTileSide + side - 1) / side; }

int pageCount(int channels, const MosaicOptions& o) {
    const int per = std::max(1, o.cols * o.rows);
    return (channels + per - 1) / per;
}

MosaicOptions allChannels(int channels, MosaicOptions o) {
    o.cols = std::max(1, int(std::ceil(std::sqrt(double(channels)))));
    o.rows = (channels + o.cols - 1) / o.cols;
    o.page = 0;
    return o;
}

static void label(cv::Mat& tile, const std::string& text) {
    const double scale = std::clamp(tile.rows / 160.0, 0.35, 0.8);
    int base = 0;
    const cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
    cv::rectangle(tile, cv::Rect(0, 0, ts.width + 4, ts.height + base + 3), cv::Scalar(0, 0, 0), cv::FILLED);
    cv::putText(tile, text, cv::Point(2, ts.height + 1), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
}

void renderMosaic(const cv::Mat& act, const MosaicOptions& o, cv::Mat& out, MosaicScratch& s) {
    CV_Assert(act.dims == 4 && act.type() == CV_32F && o.cols > 0 && o.rows > 0);
    const int C = act.size[1], H = act.size[2], W = act.size[3];
    const int scale = o.tileSide > 0 ? 0 : autoTileScale(std::max(H, W));
    const cv::Size tile = o.tileSide > 0 ? cv::Size(std::max(1, o.tileSide * W / std::max(H, W)), std::max(1, o.tileSide * H / std::max(H, W)))
                                         : cv::Size(W * scale, H * scale);
    const cv::Size total(o.cols * tile.width + (o.cols + 1) * o.gutter, o.rows * tile.height + (o.rows + 1) * o.gutter);
    out.create(total, CV_8UC3);
    out.setTo(cv::Scalar(48, 48, 48));
    channelRanges(act, o.norm, s.ranges, s.sort);
    const int first = o.page * o.cols * o.rows;
    const int count = std::max(0, std::min(o.cols * o.rows, C - first));
    // Tiles are independent and write disjoint parts of `out`: colour them in parallel.
    cv::parallel_for_(cv::Range(0, count), [&](const cv::Range& r) {
        for (int i = r.start; i < r.end; ++i) {
            const int c = first + i;
            cv::Mat dst = out(cv::Rect(o.gutter + (i % o.cols) * (tile.width + o.gutter),
                                       o.gutter + (i / o.cols) * (tile.height + o.gutter), tile.width, tile.height));
            colorizeScaled(act.ptr<float>(0, c), H, W, s.ranges[size_t(c)], o.norm.gamma, o.colormap, dst);
            if (o.labels) label(dst, std::to_string(c));
        }
    });
}

void renderChannel(const cv::Mat& act, int channel, const Normalization& norm, Colormap cmap, cv::Size displaySize,
                   cv::Mat& out, MosaicScratch& s) {
    CV_Assert(act.dims == 4 && channel >= 0 && channel < act.size[1]);
    const int H = act.size[2], W = act.size[3];
    channelRanges(act, norm, s.ranges, s.sort);
    const double f = std::min(displaySize.width / double(W), displaySize.height / double(H));
    const cv::Size fit(std::max(1, int(std::lround(W * f))), std::max(1, int(std::lround(H * f))));
    out.create(displaySize, CV_8UC3);
    out.setTo(cv::Scalar(0, 0, 0));
    cv::Mat dst = out(cv::Rect((displaySize.width - fit.width) / 2, (displaySize.height - fit.height) / 2, fit.width, fit.height));
    colorizeScaled(act.ptr<float>(0, channel), H, W, s.ranges[size_t(channel)], norm.gamma, cmap, dst);
}

cv::Mat withCaption(const cv::Mat& image, const std::string& text) {
    // The strip's height depends only on the image, so every frame of a recording has one size;
    // a long text is drawn smaller to fit the width.
    const double full = 0.6;
    int base = 0;
    const cv::Size ref = cv::getTextSize("Ag", cv::FONT_HERSHEY_SIMPLEX, full, 1, &base);
    const int strip = ref.height + base + 10;
    double scale = full;
    cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
    if (ts.width > image.cols - 12) {
        scale = std::max(0.3, full * (image.cols - 12) / ts.width);
        ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
    }
    cv::Mat out(image.rows + strip, image.cols, CV_8UC3, cv::Scalar(0, 0, 0));
    image.copyTo(out(cv::Rect(0, 0, image.cols, image.rows)));
    cv::putText(out, text, cv::Point(6, image.rows + (strip + ts.height) / 2 - 1), cv::FONT_HERSHEY_SIMPLEX, scale,
                cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    return out;
}

Expected<CaptionStyle> parseCaptionStyle(const std::string& text) {
    if (text == "none") return CaptionStyle::None;
    if (text == "short") return CaptionStyle::Short;
    if (text == "full") return CaptionStyle::Full;
    return Error{"--caption must be none (the bare picture), short or full, got '" + text + "'"};
}

const char* captionStyleName(CaptionStyle s) { return s == CaptionStyle::None ? "none" : s == CaptionStyle::Short ? "short" : "full"; }

std::string displayFacts(Colormap c, const Normalization& n) {
    Normalization plain = n;
    plain.gamma = 1.f;
    return std::string("colormap ") + colormapName(c) + " | normalize " + describe(plain) + cv::format(" | gamma %g", double(n.gamma));
}

cv::Mat captioned(const cv::Mat& image, CaptionStyle style, const std::string& shortText, const std::string& fullExtra) {
    if (style == CaptionStyle::None) return image;
    cv::Mat out = withCaption(image, shortText);
    if (style == CaptionStyle::Full && !fullExtra.empty()) out = withCaption(out, fullExtra);
    return out;
}

}  // namespace cnnscope

namespace cnnscope {

void renderView(const cv::Mat& act, const ViewSpec& v, cv::Size size, cv::Mat& out, MosaicScratch& s) {
    const int C = act.size[1], H = act.size[2], W = act.size[3];
    if (!v.grid) {
        renderChannel(act, std::clamp(v.channel, 0, C - 1), v.norm, v.colormap, size, out, s);
        return;
    }
    MosaicOptions o;
    o.cols = o.rows = v.tiles;
    o.colormap = v.colormap;
    o.norm = v.norm;
    o.labels = false;
    if (v.allChannels) o = allChannels(C, o);
    else o.page = std::clamp(v.page, 0, pageCount(C, o) - 1);
    const int maxW = (size.width - o.gutter * (o.cols + 1)) / o.cols, maxH = (size.height - o.gutter * (o.rows + 1)) / o.rows;
    o.tileSide = std::max(1, std::min(maxW * std::max(H, W) / W, maxH * std::max(H, W) / H));
    cv::Mat mosaic;
    renderMosaic(act, o, mosaic, s);
    out.create(size, CV_8UC3);
    out.setTo(cv::Scalar(48, 48, 48));
    const cv::Rect r((size.width - std::min(size.width, mosaic.cols)) / 2, (size.height - std::min(size.height, mosaic.rows)) / 2,
                     std::min(size.width, mosaic.cols), std::min(size.height, mosaic.rows));
    mosaic(cv::Rect(0, 0, r.width, r.height)).copyTo(out(r));
}

std::string viewCaption(const std::string& modelLabel, const std::string& layer, const ViewSpec& v, int channels,
                        int64_t frameIndex, double seconds) {
    std::string what;
    if (!v.grid) {
        what = "channel " + std::to_string(v.channel) + "/" + std::to_string(channels);
    } else if (v.allChannels) {
        what = "grid, all " + std::to_string(channels) + " channels";
    } else {
        const int per = v.tiles * v.tiles, first = v.page * per;
        what = "grid, channels " + std::to_string(first) + "-" + std::to_string(std::min(channels, first + per) - 1) + " of " +
               std::to_string(channels);
    }
    return modelLabel + " | " + layer + " | " + what + " | frame " + std::to_string(frameIndex) + cv::format(" (%.2f s)", seconds);
}

cv::Mat withColorbar(const cv::Mat& image, Colormap c, Range r) {
    return withColorbar(image, c, cv::format("%.3g", double(r.hi) + 0.0), cv::format("%.3g", double(r.lo) + 0.0));
}

cv::Mat withColorbar(const cv::Mat& image, Colormap c, const std::string& hi, const std::string& lo, const std::string& note) {
    const int barW = 16, strip = 84, top = 18, h = std::max(16, image.rows - 2 * top);
    cv::Mat out(image.rows, image.cols + strip, CV_8UC3, cv::Scalar(0, 0, 0));
    image.copyTo(out(cv::Rect(0, 0, image.cols, image.rows)));
    const int x0 = image.cols + 8;
    for (int y = 0; y < h; ++y) {
        const int idx = std::min(255, (h - 1 - y) * 256 / h);
        cv::rectangle(out, cv::Rect(x0, top + y, barW, 1), cv::Scalar(lutBgr8(c, idx)), cv::FILLED);
    }
    auto text = [&](const std::string& s, int y) {
        cv::putText(out, s, cv::Point(x0 + barW + 4, y), cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    };
    text(hi, top + 8);
    text(lo, top + h);
    std::istringstream words(note);
    int y = top + h / 2;
    for (std::string w; words >> w; y += 14) text(w, y);
    return out;
}

}  // namespace cnnscope
