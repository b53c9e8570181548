// The `view` command's options (registered in app/view_command.cpp, the one window file that
// sees CLI11) and the window's entry point.
#pragma once

#include "core/pipeline/history.hpp"
#include "session/session.hpp"

#include <string>

namespace cnnscope::app::detail {

constexpr int kDefaultFeatvisIterations = 256;  // the window's feature visualisation: steps per unit

struct ViewOptions {
    session::CommonOptions common;
    std::string source;
    std::string layer;
    int channel = -1;
    bool grid = false;
    int frames = 0;  // scripted run: exit after this many UI frames showing the requested view
    std::string screenshot, stats, size, keys, record;
    bool paused = false;
    bool compare = false;
    bool atlas = false;
    int historyMb = int(kDefaultHistoryMb);
    std::string backprop;  // off|guided|deconv|grad
    bool input = false;    // the input frame beside the maps
    bool topk = false;     // the top-9 sheet of the selected channel beside the maps
    std::string hover;     // scripted run: the pointer at X,Y window pixels
    std::string transfer, transferSize;  // --transfer STYLE_IMAGE, --transfer-size WxH
    int transferIterations = 100;
    std::string why;      // --why METHOD: the Why section on with that class map method
    int classIndex = -1;  // --class K: the class the map follows (default the top-1)
    std::string channelStats;   // --channel-stats SORT: the Channels section on, in that order
    bool featvis = false;       // --featvis: what the card's unit wants to see
    bool featvisSheet = false;  // --featvis-sheet: the whole layer too
    int featvisIterations = kDefaultFeatvisIterations;
    std::string featvisSize;    // --featvis-size WxH|N (square); empty: 128
    std::string model2;  // --model2 FILE|NAME|untrained: a second network beside the first
    // Given on the command line (else the saved settings decide, in a window that is not scripted).
    bool colormapGiven = false, normalizeGiven = false, gammaGiven = false;
};

// Opens the window with `opts`, runs it until closed (or the scripted run ends); the exit code.
int runWindow(const ViewOptions& opts);

}  // namespace cnnscope::app::detail
