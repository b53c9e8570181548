// The window's screen layout (see screen_layout.hpp).
#include "gfx/screen_layout.hpp"

#include <algorithm>
#include <cstdio>

namespace cnnscope::gfx {

ScreenLayout layoutScreen(const ScreenLayoutInput& in) {
    ScreenLayout l;
    const int W = std::max(1, in.width), H = std::max(1, in.height);
    const int left = std::clamp(in.panelWidth, 0, W - 1);
    if (left > 0) l.panel = {0, 0, left, H};
    const int x = left, w = W - left;
    // Top to bottom: caption, banners, canvas (colorbar on its right), status line, timeline.
    int y = 0;
    l.caption = {x, y, w, kCaptionHeight};
    y += kCaptionHeight + kLayoutGap;
    if (in.banners > 0) {
        l.banners = {x, y, w, kBannerHeight * in.banners};
        y += l.banners.h + kLayoutGap;
    }
    const int timelineH = std::max(0, in.timelineHeight);
    l.timeline = {x, std::max(y, H - timelineH), w, std::min(timelineH, H)};
    l.status = {x, std::max(y, l.timeline.y - kLayoutGap - kStatusHeight), w, kStatusHeight};
    const int bottom = l.status.y - kLayoutGap;
    const int canvasH = std::max(1, bottom - y);
    const int bar = in.colorbar && w > 3 * kColorbarWidth ? kColorbarWidth : 0;
    l.canvas = {x, y, std::max(1, w - bar - (bar ? kLayoutGap : 0)), canvasH};
    if (bar) l.colorbar = {x + w - bar, y, bar, canvasH};
    return l;
}

TitledPane titled(const PixelRect& area, int titleHeight) {
    const int t = std::min(titleHeight, std::max(0, area.h / 3));
    return {{area.x, area.y, area.w, t}, {area.x, area.y + t, area.w, std::max(1, area.h - t)}};
}

std::string rectJson(const PixelRect& r) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "{\"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}", r.x, r.y, r.w, r.h);
    return buf;
}

std::string layoutJson(const std::vector<LayoutElement>& elements, int width, int height) {
    std::string j = "{\"width\": " + std::to_string(width) + ", \"height\": " + std::to_string(height) + ", \"elements\": [";
    bool first = true;
    for (const LayoutElement& e : elements) {
        if (e.rect.empty()) continue;
        char buf[256];
        std::snprintf(buf, sizeof buf, "%s{\"name\": \"%s\", \"x\": %d, \"y\": %d, \"width\": %d, \"height\": %d}", first ? "" : ", ",
                      e.name.c_str(), e.rect.x, e.rect.y, e.rect.w, e.rect.h);
        j += buf;
        first = false;
    }
    return j + "]}";
}

std::string layoutProblem(const std::vector<LayoutElement>& elements, int width, int height) {
    for (size_t i = 0; i < elements.size(); ++i) {
        const PixelRect& a = elements[i].rect;
        if (a.empty()) continue;
        if (a.x < 0 || a.y < 0 || a.x + a.w > width || a.y + a.h > height) return elements[i].name + " leaves the window";
        for (size_t k = i + 1; k < elements.size(); ++k)
            if (a.intersects(elements[k].rect)) return elements[i].name + " overlaps " + elements[k].name;
    }
    return {};
}

}  // namespace cnnscope::gfx
