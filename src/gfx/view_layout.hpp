// View layout: where the maps, the input frame and the compare view's columns go in a rectangle
// of pixels, and the shader parameters that draw a ViewState there. The same code lays out the
// window and offscreen renders (screenshots, recordings). Main thread only (it draws).
#pragma once

#include "core/render/view.hpp"
#include "gfx/activation_renderer.hpp"

namespace cnnscope::gfx {

// The shader parameters that draw `v`'s maps from `r` into `area`; *mapsRect is where they go.
// `tileLabel`: the height of the strip above each grid tile for its channel number (kept only
// where the tiles are large enough). `shapeLike`: a single channel takes this aspect (the frame's,
// when it sits beside the frame, the overlay or the back-projection) instead of the map's.
constexpr int kTileLabel = 14;
ActivationRenderer::Params viewParams(const ViewState& v, const ActivationRenderer& r, const PixelRect& area,
                                      PixelRect& mapsRect, int tileLabel = 0, cv::Size shapeLike = {});

// The compare view's rectangles for one column (0: original, 1: stylised).
struct CompareRects {
    PixelRect frame, maps, gram;
};
struct CompareLayout {
    CompareRects side[2];
    GridLayout grid;  // the stylised column's grid (hover, clicks and the highlight follow it)
};
// Draws original | stylised: frames, maps (`maps[side]`) and Gram matrices (`grams[side]`) into
// `area` of a framebuffer `fbHeight` tall. Leaves room above each part for labels.
CompareLayout drawCompare(const ViewState& v, ActivationRenderer* const maps[2], ActivationRenderer* const grams[2],
                          const PixelRect& area, int fbHeight);

}  // namespace cnnscope::gfx
