// Draws activations with the colormap shader: a grid of channels, one channel, or one channel
// over the input frame; the input frame alone. Textures are re-uploaded only when new data
// arrives. Main thread only; restores the GL state it changes.
#pragma once

#include "core/render/colormap.hpp"
#include "core/render/normalize.hpp"
#include "core/render/view.hpp"
#include "gfx/gl_objects.hpp"
#include "gfx/screen_layout.hpp"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace cnnscope::gfx {


struct GridLayout {
    int cols = 8, rows = 8, first = 0, tileW = 0, tileH = 0, gutter = 2;
    int originX = 0, originY = 0;  // top-left of the grid within the view
    int label = 0;  // a strip above each tile for its channel number (0: none)
    int pitchX() const { return tileW + gutter; }
    int pitchY() const { return tileH + gutter + label; }
    // Top-left of the i-th tile on the page (view-relative): the label strip is above it.
    int tileX(int i) const { return originX + gutter + (i % cols) * pitchX(); }
    int tileY(int i) const { return originY + gutter + label + (i / cols) * pitchY(); }
    // Channel under a view-relative pixel, or -1 (with the map texel in *tx, *ty).
    int channelAt(int px, int py, int channels, int mapW, int mapH, int* tx, int* ty) const;
};

// Tiles as large as fit, keeping the map's aspect, centred in a view of the given size. `label`:
// the height of a strip above each tile for its channel number, kept only when the tiles are
// at least three times as tall as it (else 0).
GridLayout layoutGrid(int viewW, int viewH, int cols, int rows, int first, int mapW, int mapH, int gutter = 2, int label = 0);
// The largest rectangle of aspect aw:ah inside `area`, centred.
PixelRect fitAspect(const PixelRect& area, int aw, int ah);

class ActivationRenderer {
public:
    // Needs a current GL 3.3 context. On failure returns false and fills *error.
    bool init(std::string* error);
    void upload(const cv::Mat& act, const std::vector<Range>& ranges);  // (1,C,H,W) float32
    void uploadRanges(const std::vector<Range>& ranges);
    void uploadFrame(const cv::Mat& bgr);
    bool hasActivations() const { return m_channels > 0; }
    bool hasFrame() const { return m_frameSize.area() > 0; }
    int channels() const { return m_channels; }
    cv::Size mapSize() const { return m_mapSize; }
    cv::Size frameSize() const { return m_frameSize; }

    struct Params {
        ViewMode mode = ViewMode::Grid;
        Colormap colormap = Colormap::Hot;
        float gamma = 1.f;
        int channel = 0;
        float opacity = 0.6f;
        GridLayout grid;
    };
    // Draws into `rect` of a framebuffer `fbHeight` pixels tall.
    void draw(const PixelRect& rect, int fbHeight, const Params& p);

private:
    Program m_program;
    VertexArray m_vao;
    Texture m_acts, m_ranges, m_lut, m_frame;
    int m_channels = 0;
    cv::Size m_mapSize, m_frameSize;
    std::vector<float> m_rangeData;
    GLint m_loc[16] = {};
};

// Reads `rect` of the current framebuffer into an 8-bit BGR image, top row first.
cv::Mat readPixels(const PixelRect& rect, int fbHeight);

}  // namespace cnnscope::gfx
