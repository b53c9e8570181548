// View layout: where the maps, the input frame and the compare view's columns go in a rectangle
// of pixels, and the shader parameters that draw a ViewState there. The same code lays out the
// window and offscreen renders (screenshots, recordings). Main thread only (it draws).
#pragma once

#include "core/render/view.hpp"
#include "gfx/activation_renderer.hpp"

namespace cnnscope::gfx {

// The shader parameters that draw `v`'s maps from `r` into `area`; *mapsRect is where they go.
ActivationRenderer::Params viewParams(const ViewState& v, const ActivationRenderer& r, const PixelRect& area,
                                      PixelRect& mapsRect);

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
