// The window's screen layout: one rectangle per element (panel, caption, banners, canvas,
// colorbar, status line, timeline), none overlapping another, all inside the window, at any
// window size. Pure arithmetic (no GL): the canvas is then split into panes by the views
// (unit column, compare, second model), each pane with its own title strip above it.
#pragma once

#include <string>
#include <vector>

namespace cnnscope::gfx {

// A rectangle in window pixels, top-left origin (ImGui's convention).
struct PixelRect {
    int x = 0, y = 0, w = 0, h = 0;
    bool contains(double px, double py) const { return px >= x && py >= y && px < x + w && py < y + h; }
    bool empty() const { return w <= 0 || h <= 0; }
    bool intersects(const PixelRect& o) const {
        return !empty() && !o.empty() && x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h;
    }
};

struct ScreenLayoutInput {
    int width = 1280, height = 720;  // the framebuffer
    int panelWidth = 0;              // 0: no panel
    int banners = 0;                 // banner lines under the caption
    bool colorbar = true;
    int timelineHeight = 34;
};

struct ScreenLayout {
    PixelRect panel, caption, banners, canvas, colorbar, status, timeline;
};

constexpr int kCaptionHeight = 22, kBannerHeight = 22, kStatusHeight = 22, kColorbarWidth = 112, kLayoutGap = 2;
constexpr int kTitleHeight = 18;  // a pane's title strip

ScreenLayout layoutScreen(const ScreenLayoutInput& in);

// A pane's title strip above its content: splits `area` into {title, content}.
struct TitledPane {
    PixelRect title, content;
};
TitledPane titled(const PixelRect& area, int titleHeight = kTitleHeight);

// A pane of the canvas (input frame, back-projection, top-9, ...) under its title strip.
struct Pane {
    std::string name, title;
    PixelRect titleRect, rect;
    // The view draws its title itself (its own lines, fonts, clipping: compare, the second model):
    // the window's generic title drawing leaves it alone; `title` says what it draws.
    bool titledByView = false;
};

// Named rectangles for the stats JSON and the overlap test.
struct LayoutElement {
    std::string name;
    PixelRect rect;
};
std::string layoutJson(const std::vector<LayoutElement>& elements, int width, int height);
// {"x": X, "y": Y, "width": W, "height": H}: a rectangle in the stats JSON.
std::string rectJson(const PixelRect& r);
// The first pair of elements that intersect, or one that leaves the window: "" when none.
std::string layoutProblem(const std::vector<LayoutElement>& elements, int width, int height);

}  // namespace cnnscope::gfx
