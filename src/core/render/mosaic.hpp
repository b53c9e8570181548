// Mosaics: NxM tile grids of coloured channels with optional labels and gutters, and single
// channels at display size. Output is 8-bit BGR, ready for PNG/GIF writers.
#pragma once

#include "core/render/colormap.hpp"
#include "core/render/normalize.hpp"

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace cnnscope {

struct MosaicOptions {
    int cols = 8, rows = 8;       // tiles; rows*cols channels per page
    int page = 0;                 // which page of rows*cols channels
    int tileSide = 0;             // 0: the activation size scaled by an integer so a tile is >= kMinTileSide
    int gutter = 2;               // pixels between tiles
    bool labels = true;           // channel index in each tile's corner
    Colormap colormap = Colormap::Hot;
    Normalization norm;
};

constexpr int kMinTileSide = 112;

// Integer nearest-neighbour upscale factor that makes a side at least kMinTileSide.
int autoTileScale(int side);
// Number of pages for C channels.
int pageCount(int channels, const MosaicOptions& o);
// Grid for all channels: cols = ceil(sqrt(C)).
MosaicOptions allChannels(int channels, MosaicOptions o);

struct MosaicScratch {
    std::vector<Range> ranges;
    std::vector<float> sort;
};

// Renders a page of channels of a (1,C,H,W) CV_32F activation. Tiles past C stay gutter-coloured.
void renderMosaic(const cv::Mat& act, const MosaicOptions& o, cv::Mat& out, MosaicScratch& scratch);

// Tiles and single channels are enlarged as the GL shader does it: destination pixel x of a
// D-wide map sampled from a W-wide one reads floor((x + 0.5) * W / D).
// One channel scaled to fit displaySize (aspect kept, nearest neighbour, letterboxed in black).
void renderChannel(const cv::Mat& act, int channel, const Normalization& norm, Colormap cmap, cv::Size displaySize,
                   cv::Mat& out, MosaicScratch& scratch);

// Burns a caption strip (white on black) at the bottom of an image, in place size grows.
cv::Mat withCaption(const cv::Mat& image, const std::string& text);

// What an image output carries below the picture (--caption): nothing (the bare picture, pixel
// for pixel what the maps are), a short caption (what and where: model | layer | channels |
// frame), or the full one (also how the colours were made: colormap | normalize | gamma).
enum class CaptionStyle { None, Short, Full };
Expected<CaptionStyle> parseCaptionStyle(const std::string& text);
const char* captionStyleName(CaptionStyle s);
// The facts of a full caption: "colormap hot | normalize channel | gamma 1".
std::string displayFacts(Colormap c, const Normalization& n);
// `image` with the caption `style` asks for: none: `image` itself; short: a strip of `shortText`;
// full: a strip of `shortText` and one of `fullExtra` below it (each strip fits its own line).
cv::Mat captioned(const cv::Mat& image, CaptionStyle style, const std::string& shortText, const std::string& fullExtra);

}  // namespace cnnscope

namespace cnnscope {

// What a recording or screenshot shows: the grid (a page of tiles, or all channels) or one channel.
struct ViewSpec {
    bool grid = true;
    int channel = 0;
    int tiles = 8;
    int page = 0;
    bool allChannels = false;
    Colormap colormap = Colormap::Hot;
    Normalization norm;
};

// Renders the maps to fill a canvas of exactly `size` (tiles fitted, or one channel letterboxed).
void renderView(const cv::Mat& act, const ViewSpec& v, cv::Size size, cv::Mat& out, MosaicScratch& scratch);

// "VGG19 [untrained] | block1_conv1 | channel 5/64 | frame 12 (1.20 s)", shared by every recorder.
std::string viewCaption(const std::string& modelLabel, const std::string& layer, const ViewSpec& v, int channels,
                        int64_t frameIndex, double seconds);

// Adds a vertical colorbar with the value range at the right of an image.
cv::Mat withColorbar(const cv::Mat& image, Colormap c, Range r);
// The same with words for labels: `hi` at the top, `lo` at the bottom and `note` (one word a
// line) beside the bar's middle, e.g. "max", "min", "per channel" for a grid whose every tile
// has its own range.
cv::Mat withColorbar(const cv::Mat& image, Colormap c, const std::string& hi, const std::string& lo, const std::string& note = {});

}  // namespace cnnscope
