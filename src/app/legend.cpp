// What the colorbar says (see legend.hpp).
#include "app/legend.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>

namespace cnnscope::app {

std::string numberText(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v + 0.0);  // + 0.0: no "-0"
    return buf;
}

void channelExtents(const cv::Mat& act, std::vector<Range>& out) {
    out.clear();
    if (act.empty() || act.dims != 4) return;
    out.resize(size_t(act.size[1]));
    for (int c = 0; c < act.size[1]; ++c) {
        double lo = 0, hi = 0;
        cv::minMaxLoc(channelView(act, c), &lo, &hi);
        out[size_t(c)] = {float(lo), float(hi)};
    }
}

std::string constantText(const std::vector<Range>& extent, int c) {
    if (c < 0 || c >= int(extent.size())) return {};
    const Range r = extent[size_t(c)];
    return r.lo == r.hi ? "constant " + numberText(r.lo) : std::string();
}

namespace {
std::string rangeText(Range r) { return numberText(r.lo) + " .. " + numberText(r.hi); }
}  // namespace

Legend mapsLegend(const ViewState& v, const LegendFacts& f) {
    Legend l;
    l.colormap = v.colormap;
    const int C = f.act && !f.act->empty() ? f.act->size[1] : 0;
    if (C == 0 || !f.ranges || f.ranges->empty()) {
        l.bar = false;
        return l;
    }
    const int ch = std::clamp(v.channel, 0, C - 1);
    const int hov = f.hovered >= 0 && f.hovered < C ? f.hovered : -1;
    auto range = [&](int c) { return (*f.ranges)[size_t(std::min(c, int(f.ranges->size()) - 1))]; };
    const bool grid = v.mode == ViewMode::Grid;
    const bool perChannel = v.norm.mode == NormMode::Channel || v.norm.mode == NormMode::Percentile;
    const std::string how = v.norm.mode == NormMode::Percentile ? "p" + numberText(v.norm.percentile) + " clip" : "";
    if (perChannel && grid) {
        // Every tile has its own scale: no one pair of numbers is the truth for the grid.
        l.head = {"per channel:", "each tile its", "own min..max"};
        if (!how.empty()) l.head.push_back(how);
        l.hi = "max";
        l.lo = "min";
        const int c = hov >= 0 ? hov : ch;
        l.foot.push_back(std::string(hov >= 0 ? "hover " : "sel. ") + "ch " + std::to_string(c) + ":");
        const std::string k = f.extent ? constantText(*f.extent, c) : "";
        l.foot.push_back(k.empty() ? rangeText(range(c)) : k);
    } else if (perChannel) {
        l.head = {"ch " + std::to_string(ch), "per channel"};
        if (!how.empty()) l.head.push_back(how);
        const std::string k = f.extent ? constantText(*f.extent, ch) : "";
        if (!k.empty()) {
            l.bar = false;
            l.constant = true;
            l.foot.push_back(k);
            l.foot.push_back("(a dead or");
            l.foot.push_back("flat channel)");
        } else {
            l.hi = numberText(range(ch).hi);
            l.lo = numberText(range(ch).lo);
        }
    } else {
        // One range for every channel: the numbers are the truth for every tile.
        l.head = {v.norm.mode == NormMode::Layer ? "per layer" : "fixed range"};
        l.hi = numberText(range(0).hi);
        l.lo = numberText(range(0).lo);
        const int c = hov >= 0 ? hov : (grid ? -1 : ch);
        if (c >= 0)
            if (const std::string k = f.extent ? constantText(*f.extent, c) : ""; !k.empty()) {
                l.foot.push_back("ch " + std::to_string(c) + ":");
                l.foot.push_back(k);
            }
    }
    if (v.norm.gamma != 1.f) l.foot.push_back("gamma " + numberText(v.norm.gamma));
    return l;
}

Legend differenceLegend(double maxAbs, NormMode norm) {
    Legend l;
    l.colormap = Colormap::Rdbu;
    l.head = {"A - B", norm == NormMode::Layer ? "per layer" : "per channel", "0 = middle"};
    l.hi = "+" + numberText(maxAbs);
    l.lo = "-" + numberText(maxAbs);
    if (norm != NormMode::Layer) {
        l.hi = "+max";
        l.lo = "-max";
        l.foot = {"max |A-B|", numberText(maxAbs)};
    }
    return l;
}

cv::Mat burnLegends(const cv::Mat& view, const std::vector<Legend>& legends, int width) {
    if (legends.empty() || view.empty()) return view;
    cv::Mat out(view.rows, view.cols + width, CV_8UC3, cv::Scalar::all(0));
    view.copyTo(out(cv::Rect(0, 0, view.cols, view.rows)));
    const int n = int(legends.size());
    constexpr int kLine = 15;
    auto text = [&](const std::string& t, int x, int y, int grey) {
        cv::putText(out, t, {x, y}, cv::FONT_HERSHEY_SIMPLEX, 0.38, cv::Scalar::all(grey), 1, cv::LINE_AA);
    };
    for (int i = 0; i < n; ++i) {
        const Legend& l = legends[size_t(i)];
        const int y0 = view.rows * i / n + 4, y1 = view.rows * (i + 1) / n - 4;
        const int x = view.cols + 6;
        int y = y0 + 12;
        for (const std::string& h : l.head) text(h, x, y, 235), y += kLine;
        const int barTop = y + 2, barBottom = y1 - int(l.foot.size()) * kLine - 8;
        if (l.bar && barBottom - barTop > 16) {
            const int h = barBottom - barTop;
            for (int k = 0; k < h; ++k)
                cv::rectangle(out, cv::Rect(x, barTop + k, 14, 1), cv::Scalar(lutBgr8(l.colormap, std::min(255, (h - 1 - k) * 256 / h))), cv::FILLED);
            text(l.hi, x + 20, barTop + 9, 255);
            text(l.lo, x + 20, barBottom, 255);
        }
        int fy = std::max(y, barBottom) + 14;
        if (!l.bar) fy = y + 4;
        for (const std::string& t : l.foot) text(t, x, fy, 210), fy += kLine;
    }
    return out;
}

}  // namespace cnnscope::app
