// Top-k sheets: one channel's patches with labels, and the index of all channels.
#include "core/unit/topk.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cnnscope {

namespace {

const cv::Scalar kBackground(32, 32, 32);
const cv::Scalar kEmpty(64, 64, 64);
const cv::Scalar kText(255, 255, 255);

void text(cv::Mat& img, const std::string& s, cv::Point org, double scale) {
    cv::putText(img, s, org, cv::FONT_HERSHEY_SIMPLEX, scale, kText, 1, cv::LINE_AA);
}

std::string valueText(float v) {
    char buf[32];
    const float a = std::fabs(v);
    std::snprintf(buf, sizeof buf, a >= 1000.f ? "%.0f" : a >= 10.f ? "%.1f" : "%.3f", double(v));
    return buf;
}

int gridCols(int n) { return std::max(1, int(std::ceil(std::sqrt(double(n)) - 1e-9))); }

}  // namespace

cv::Rect SheetLayout::thumbRect(int rank, int thumbSide) const {
    const int r = rank / cols, c = rank % cols;
    const int x = margin + c * (cellW + margin) + (cellW - thumbSide) / 2;
    const int y = titleH + margin + r * (cellH + margin);
    return cv::Rect(x, y, thumbSide, thumbSide);
}

SheetLayout sheetLayout(int k, int thumbSide) {
    SheetLayout l;
    l.cols = gridCols(k);
    l.rows = (k + l.cols - 1) / l.cols;
    l.cellW = std::max(thumbSide, 64);
    l.cellH = thumbSide + l.labelH;
    l.size = cv::Size(l.margin + l.cols * (l.cellW + l.margin), l.titleH + l.margin + l.rows * (l.cellH + l.margin));
    l.size.width = std::max(l.size.width, 200);  // room for the title
    return l;
}

cv::Mat renderTopKSheet(const std::vector<TopKEntry>& entries, int k, int thumbSide, const std::string& title) {
    const SheetLayout l = sheetLayout(k, thumbSide);
    cv::Mat sheet(l.size, CV_8UC3, kBackground);
    text(sheet, title, cv::Point(l.margin, l.titleH - 5), 0.4);
    for (int rank = 0; rank < k; ++rank) {
        const cv::Rect r = l.thumbRect(rank, thumbSide);
        if (rank >= int(entries.size()) || entries[size_t(rank)].thumb.empty()) {
            sheet(r).setTo(kEmpty);
            continue;
        }
        const TopKEntry& e = entries[size_t(rank)];
        e.thumb.copyTo(sheet(r));
        const int lx = l.margin + (rank % l.cols) * (l.cellW + l.margin) + 1;
        text(sheet, valueText(e.value), cv::Point(lx, r.y + thumbSide + 11), 0.35);
        text(sheet, "#" + std::to_string(e.frame), cv::Point(lx, r.y + thumbSide + 23), 0.35);
    }
    return sheet;
}

cv::Mat renderTopKIndex(const TopKSnapshot& s, const std::string& title, int maxWidth) {
    const int C = int(s.channels.size());
    const int k = std::max(1, s.k);
    const int kc = gridCols(k), kr = (k + kc - 1) / kc;
    const int cols = gridCols(std::max(1, C)), rows = (std::max(1, C) + cols - 1) / cols;
    const int gap = 6, labelH = 12, titleH = 20;
    // Thumbnail side in the index: as large as the stored one, small enough for maxWidth.
    const int fit = ((maxWidth - gap) / cols - gap) / kc;
    const int side = std::clamp(fit, 4, std::max(4, s.thumbSide));
    const int blockW = kc * side, blockH = labelH + kr * side;
    const cv::Size size(std::max(gap + cols * (blockW + gap), 320), titleH + gap + rows * (blockH + gap));
    cv::Mat index(size, CV_8UC3, kBackground);
    text(index, title, cv::Point(gap, titleH - 6), 0.45);
    cv::Mat small;
    for (int c = 0; c < C; ++c) {
        const int bx = gap + (c % cols) * (blockW + gap), by = titleH + gap + (c / cols) * (blockH + gap);
        text(index, std::to_string(c), cv::Point(bx, by + labelH - 3), 0.33);
        const auto& list = s.channels[size_t(c)];
        for (int rank = 0; rank < k; ++rank) {
            const cv::Rect r(bx + (rank % kc) * side, by + labelH + (rank / kc) * side, side, side);
            if (rank >= int(list.size()) || list[size_t(rank)].thumb.empty()) {
                index(r).setTo(kEmpty);
                continue;
            }
            cv::resize(list[size_t(rank)].thumb, small, r.size(), 0, 0, cv::INTER_AREA);
            small.copyTo(index(r));
        }
    }
    return index;
}

}  // namespace cnnscope
