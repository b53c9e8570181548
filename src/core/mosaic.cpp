// Mosaics and single-channel renders.
#include "core/mosaic.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
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
    for (int i = 0; i < o.cols * o.rows; ++i) {
        const int c = first + i;
        if (c >= C) break;
        colorize(channelView(act, c), s.ranges[size_t(c)], o.norm.gamma, o.colormap, s.colored);
        const cv::Rect r(o.gutter + (i % o.cols) * (tile.width + o.gutter), o.gutter + (i / o.cols) * (tile.height + o.gutter),
                         tile.width, tile.height);
        cv::Mat dst = out(r);
        cv::resize(s.colored, dst, tile, 0, 0, cv::INTER_NEAREST);
        if (o.labels) label(dst, std::to_string(c));
    }
}

void renderChannel(const cv::Mat& act, int channel, const Normalization& norm, Colormap cmap, cv::Size displaySize,
                   cv::Mat& out, MosaicScratch& s) {
    CV_Assert(act.dims == 4 && channel >= 0 && channel < act.size[1]);
    const int H = act.size[2], W = act.size[3];
    channelRanges(act, norm, s.ranges, s.sort);
    colorize(channelView(act, channel), s.ranges[size_t(channel)], norm.gamma, cmap, s.colored);
    const double f = std::min(displaySize.width / double(W), displaySize.height / double(H));
    const cv::Size fit(std::max(1, int(std::lround(W * f))), std::max(1, int(std::lround(H * f))));
    out.create(displaySize, CV_8UC3);
    out.setTo(cv::Scalar(0, 0, 0));
    cv::Mat dst = out(cv::Rect((displaySize.width - fit.width) / 2, (displaySize.height - fit.height) / 2, fit.width, fit.height));
    cv::resize(s.colored, dst, fit, 0, 0, cv::INTER_NEAREST);
}

cv::Mat withCaption(const cv::Mat& image, const std::string& text) {
    const double scale = std::clamp(image.cols / 900.0, 0.4, 0.9);
    int base = 0;
    const cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
    const int strip = ts.height + base + 10;
    cv::Mat out(image.rows + strip, image.cols, CV_8UC3, cv::Scalar(0, 0, 0));
    image.copyTo(out(cv::Rect(0, 0, image.cols, image.rows)));
    cv::putText(out, text, cv::Point(6, image.rows + 5 + ts.height), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 1,
                cv::LINE_AA);
    return out;
}

}  // namespace cnnscope
