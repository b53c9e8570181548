// Receptive fields of map positions, in input-blob and original-frame pixels, and the
// strongest position of a channel. Pure geometry on the layer catalogue (no network runs).
#pragma once

#include "core/model/catalogue.hpp"

#include <opencv2/core.hpp>

namespace cnnscope {

// The input pixels one map position (y, x) of a layer depends on, for a frame that was resized
// to the model's input size (core/preprocess: the whole frame scaled to the input, no crop).
// The rectangles are half-open pixel boxes (x, y, width, height).
struct ReceptiveField {
    cv::Rect blob;           // in input-blob pixels, unclipped (negative where it reaches into padding)
    cv::Rect blobClipped;    // the same clipped to the input (what the network really reads)
    cv::Rect2d frameExact;   // `blob` in frame pixels, unclipped, as real-valued edges
    cv::Rect frame;          // frameExact widened to whole pixels (floor/ceil), unclipped
    cv::Rect frameClipped;   // `frame` clipped to the frame (empty when entirely outside)
};

// Field of map position (y, x) of `layer` (its rfOffset, receptiveField and stride from the
// catalogue), for an input blob of `inputSize` made from a frame of `frameSize`. Blob pixel u
// covers frame pixels [u * fw / iw, (u + 1) * fw / iw) on each axis (cv::resize's pixel grid;
// INTER_AREA averages exactly that box, INTER_LINEAR upscaling also blends half a pixel more).
// Clipping here is to the input's borders only; see the catalogue version for the exact support.
ReceptiveField receptiveField(const LayerInfo& layer, int y, int x, cv::Size inputSize, cv::Size frameSize);

// The same for catalogue row `row` (Model::layers(), shapes at the current input size; row 0 is
// the input), with blobClipped/frameClipped the exact support: traced back row by row through
// each layer's window and map size, so padding at every layer (not only the input's) is left
// out, as are input rows a strided layer or pool never reads. Nets that are not a plain stack
// (branches) fall back to clipping at the input's borders.
ReceptiveField receptiveField(const std::vector<LayerInfo>& rows, size_t row, int y, int x, cv::Size frameSize);

// Maps a blob rectangle to frame pixels (the real-valued box; see receptiveField).
cv::Rect2d blobToFrame(const cv::Rect& blobRect, cv::Size inputSize, cv::Size frameSize);

struct MapPeak {
    cv::Point pos{-1, -1};  // (x, y) in map pixels; (-1, -1) for an empty map
    float value = 0.f;
};

// The largest value of channel `channel` of a (1, C, H, W) CV_32F activation and where it is:
// the first position in row-major scan order on ties; NaNs never win.
MapPeak strongestPosition(const cv::Mat& act, int channel);

}  // namespace cnnscope
