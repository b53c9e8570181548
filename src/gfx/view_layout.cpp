// View layout for the window and offscreen renders alike.
#include "gfx/view_layout.hpp"

#include <algorithm>

namespace cnnscope::gfx {

ActivationRenderer::Params viewParams(const ViewState& v, const ActivationRenderer& r, const PixelRect& area,
                                      PixelRect& mapsRect, int tileLabel, cv::Size shapeLike) {
    const cv::Size map = r.mapSize();
    const int C = r.channels();
    ActivationRenderer::Params p;
    p.mode = v.mode;
    p.colormap = v.colormap;
    p.gamma = v.norm.gamma;
    p.channel = std::min(v.channel, C - 1);
    p.opacity = v.opacity;
    if (v.mode == ViewMode::Grid) {
        int cols = v.tiles, rows = v.tiles, first = v.page * v.tiles * v.tiles;
        if (v.allChannels) {
            cols = allChannelsCols(C);
            rows = (C + cols - 1) / cols;
            first = 0;
        }
        first = std::min(first, std::max(0, C - 1) / (cols * rows) * (cols * rows));
        mapsRect = area;
        p.grid = layoutGrid(area.w, area.h, cols, rows, first, map.width, map.height, 2, tileLabel);
    } else if (v.mode == ViewMode::Overlay && r.hasFrame()) {
        mapsRect = fitAspect(area, r.frameSize().width, r.frameSize().height);
    } else {
        p.mode = ViewMode::Single;
        const bool frameShaped = shapeLike.width > 0 && shapeLike.height > 0;
        mapsRect = fitAspect(area, frameShaped ? shapeLike.width : map.width, frameShaped ? shapeLike.height : map.height);
        if (frameShaped) mapsRect.y = area.y;  // level with the frame and back-projection beside it (top-aligned)
    }
    return p;
}

CompareLayout drawCompare(const ViewState& v, ActivationRenderer* const maps[2], ActivationRenderer* const grams[2],
                          const PixelRect& area, int fbH) {
    constexpr int kGap = 10, kLabel = 20;  // room for the labels drawn over the view
    const int colW = (area.w - kGap) / 2;
    const int avail = area.h - 3 * kLabel;
    const int frameH = avail * 28 / 100, gramH = avail * 30 / 100, mapsH = avail - frameH - gramH;
    CompareLayout out;
    for (int side = 0; side < 2; ++side) {
        ActivationRenderer& m = *maps[side];
        ActivationRenderer& g = *grams[side];
        const int x = area.x + side * (colW + kGap);
        CompareRects& r = out.side[side];
        int y = area.y + kLabel;
        if (m.hasFrame()) {
            r.frame = fitAspect({x, y, colW, frameH}, m.frameSize().width, m.frameSize().height);
            ActivationRenderer::Params fp;
            fp.mode = ViewMode::Frame;
            m.draw(r.frame, fbH, fp);
        }
        y += frameH + kLabel;
        ActivationRenderer::Params p = viewParams(v, *maps[1], {x, y, colW, mapsH}, r.maps);
        if (p.mode == ViewMode::Overlay) {  // no overlay here: the frames are above
            p.mode = ViewMode::Single;
            r.maps = fitAspect({x, y, colW, mapsH}, maps[1]->mapSize().width, maps[1]->mapSize().height);
        }
        m.draw(r.maps, fbH, p);
        y += mapsH + kLabel;
        const int C = g.mapSize().width;
        r.gram = fitAspect({x, y, colW, gramH}, C, C);
        ActivationRenderer::Params gp;
        gp.mode = ViewMode::Single;
        gp.colormap = v.colormap;
        gp.gamma = v.norm.gamma;  // a diagonal-heavy Gram matrix reads better with gamma < 1
        g.draw(r.gram, fbH, gp);
        if (side == 1) out.grid = p.grid;
    }
    return out;
}

}  // namespace cnnscope::gfx
