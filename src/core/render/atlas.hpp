// The whole-network atlas: every channel of every chosen layer for one frame in one image, one
// labelled band per layer, tiles downsampled so the data stays small.
// Threading: build an AtlasLayout once per (model, input size, options); packAtlas() runs on the
// inference thread (box-downsamples each map, computes each tile's range with the view's
// normalisation) and fills an AtlasFrame to hand over latest-wins; the main thread uploads
// AtlasFrame::packed as one R32F texture plus the ranges, and draws (or renderAtlas() on the CPU).
#pragma once

#include "core/model/catalogue.hpp"
#include "core/render/colormap.hpp"
#include "core/base/expected.hpp"
#include "core/render/normalize.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnscope {

// Which layers the atlas shows: conv (Conv2D/Convolution), relu, pool, or every (C,H,W) layer.
enum class AtlasKind { Conv, Relu, Pool, All };
Expected<AtlasKind> parseAtlasKind(const std::string& name);
const char* atlasKindName(AtlasKind k);
// The (C,H,W) layers of that kind, in network order.
std::vector<LayerInfo> atlasLayers(const std::vector<LayerInfo>& layers, AtlasKind kind);

struct AtlasOptions {
    int tile = 16;          // a tile's longer side on the canvas, pixels (4..128)
    int columns = 64;       // tiles per row of a band (fewer for layers with fewer channels)
    int gutter = 1;         // pixels between tiles
    int labelHeight = 14;   // the band's label strip ("block1_conv1  64 x 224x224")
};

struct AtlasBand {
    std::string name, type;
    int channels = 0, mapH = 0, mapW = 0;  // the layer's full-resolution output
    int cellW = 0, cellH = 0;              // a tile on the canvas: the map scaled so its longer side is `tile`
    int dataW = 0, dataH = 0;              // the downsampled map: min(cell, map) per axis (what is uploaded)
    int columns = 0, rows = 0;
    int top = 0;        // canvas y of the label strip; tiles start at top + labelHeight + gutter
    int packedTop = 0;  // y of the band's first row in AtlasFrame::packed
    int firstTile = 0;  // global tile index of channel 0
};

struct AtlasTile {
    int band = -1, channel = -1, tile = -1;  // -1: a gutter or label, no tile
    bool valid() const { return band >= 0; }
};

class AtlasLayout {
public:
    // `layers` are the chosen ones (atlasLayers), each with a (C,H,W) shape.
    static Expected<AtlasLayout> build(const std::vector<LayerInfo>& layers, const AtlasOptions& o);

    const AtlasOptions& options() const { return m_opts; }
    const std::vector<AtlasBand>& bands() const { return m_bands; }
    std::vector<std::string> layerNames() const;
    int bandOf(const std::string& layer) const;  // -1 when absent
    int tileCount() const { return m_tiles; }
    cv::Size canvasSize() const { return m_canvas; }
    cv::Size packedSize() const { return m_packed; }
    // Bytes a window uploads per atlas frame: the packed R32F maps and two floats of range per tile.
    size_t uploadBytes() const { return size_t(m_packed.area()) * 4 + size_t(m_tiles) * 8; }

    // Tile <-> (layer, channel): rectangles on the canvas and in the packed data, and back.
    cv::Rect cellRect(int band, int channel) const;
    cv::Rect dataRect(int band, int channel) const;
    AtlasTile tile(int globalIndex) const;
    AtlasTile tileAt(cv::Point canvas) const;
    // The texel of AtlasFrame::packed shown at a canvas point ((-1,-1) outside a tile): cell pixel
    // x reads data texel floor((x + 0.5) * dataW / cellW), as the shader samples (hover values).
    cv::Point packedTexelAt(cv::Point canvas) const;
    // The layout as JSON (bands, sizes, rects' rule), for scripts and tests.
    std::string json() const;

private:
    AtlasOptions m_opts;
    std::vector<AtlasBand> m_bands;
    int m_tiles = 0;
    cv::Size m_canvas, m_packed;
};

// Box-downsampling rule, shared by packAtlas and the tests: data texel (x, y) of a dw x dh map
// is the mean of the source box x in [x0, x1), y in [y0, y1) with x0 = floor(x * W / dw),
// x1 = max(x0 + 1, floor((x + 1) * W / dw)) (same for y). dw <= W, dh <= H.
void downsampleBox(const float* src, int H, int W, float* dst, size_t dstStride, int dh, int dw);

struct AtlasFrame {
    cv::Mat packed;             // CV_32F, layout.packedSize(): tile t's data at its dataRect
    std::vector<Range> ranges;  // per global tile: from the full-resolution map, the view's normalisation
    int64_t frameIndex = 0;
};

// Fills `out` from the full-resolution activations of the bands' layers ((1,C,H,W) each, in band
// order), reusing its memory. Runs the bands in parallel (cv::parallel_for_).
Status packAtlas(const std::vector<cv::Mat>& acts, const AtlasLayout& layout, const Normalization& norm, AtlasFrame& out);

// The canvas on the CPU: label strips, gutters, and each tile coloured like the shader draws it
// (colorizeScaled: cell pixel x reads data texel floor((x + 0.5) * dataW / cellW)).
void renderAtlas(const AtlasFrame& frame, const AtlasLayout& layout, float gamma, Colormap cmap, cv::Mat& canvas);

}  // namespace cnnscope
