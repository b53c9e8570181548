// The view description: what the user picked to see (layer, channel, grid or single, colouring,
// window size). GL-free: the panel edits it, the renderer draws it, captions describe it and the
// settings file persists it.
#pragma once

#include "core/render/colormap.hpp"
#include "core/render/mosaic.hpp"
#include "core/render/normalize.hpp"

#include <cstdint>
#include <string>

namespace cnnscope {

// Frame: the input frame alone (a renderer mode; never a ViewState::mode).
enum class ViewMode { Grid = 0, Single = 1, Overlay = 2, Frame = 3 };

struct ViewState {
    std::string layer;
    int channel = 0;
    ViewMode mode = ViewMode::Grid;
    bool showInput = false;     // the input frame beside the maps
    int tiles = 8;              // NxN grid
    int page = 0;
    bool allChannels = false;   // one near-square grid of every channel
    Colormap colormap = Colormap::Hot;
    Normalization norm;
    float opacity = 0.6f;
    bool showColorbar = true;
    bool showHelp = false;
    bool showPanel = true;
    bool compare = false;       // with a style stage: original | stylised, maps and Gram matrices
    bool atlas = false;         // every conv channel of the network at once (app/atlas_view.cpp)
    int windowW = 1280, windowH = 720;
};

// Clamps values loaded from disk or typed by the user into their valid ranges.
void clamp(ViewState& s);

// Columns of the grid of every channel (near-square).
int allChannelsCols(int channels);

// What is on screen besides the view: the facts a caption names.
struct CaptionFacts {
    std::string label;          // pipelineLabel: "VGG19 [untrained] on starry_night"
    std::string layer;          // the layer on screen
    int channels = 0;
    int gridFirst = 0, gridCount = 64;  // the grid page on screen (first channel, tiles)
    int64_t frameIndex = 0;
    double seconds = 0;
    bool paused = false;
    double gramDistance = -1;   // >= 0: the compare view is on screen
};

enum class CaptionFor { Screen, File };
// One caption builder: the window's top line ("VGG19  block1_conv1  channel 0 of 64  [paused]")
// and the one burnt into screenshots and recordings (core's viewCaption, plus overlay and Gram).
std::string caption(const ViewState& v, const CaptionFacts& f, CaptionFor where);

// The compare view's labels over each column (side 0: original, 1: stylised).
struct CompareLabels {
    std::string title, layer, gram;
};
CompareLabels compareLabels(int side, const std::string& styleLabel, const std::string& layer, int gramChannels,
                            double gramDistance, CaptionFor where);

}  // namespace cnnscope
