// What the colorbar says: the words and numbers beside the bar, from the normalisation, the view
// and the values of the channels on screen (pure: no ImGui, no GL). Drawn by the window
// (overlays.cpp) and burnt into screenshots and recordings beside the view (burnLegends), in the
// colorbar's own column, never over the maps or in the caption strip.
#pragma once

#include "core/render/colormap.hpp"
#include "core/render/normalize.hpp"
#include "core/render/view.hpp"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace cnnscope::app {

struct Legend {
    Colormap colormap = Colormap::Hot;
    std::vector<std::string> head;  // above the bar: what it shows ("per channel", "ch 12", "per layer")
    std::string hi, lo;             // at the bar's ends: numbers, or "max"/"min" where each tile has its own
    std::vector<std::string> foot;  // under the bar: the hovered tile's range, "constant 0", gamma
    bool bar = true;                // false: a constant channel (no scale to show)
    bool constant = false;
};

// The channel values behind a legend: the view's (selected) channel, and the hovered one (-1: none).
struct LegendFacts {
    const cv::Mat* act = nullptr;           // (1,C,H,W)
    const std::vector<Range>* ranges = nullptr;  // the normalisation's per-channel ranges
    const std::vector<Range>* extent = nullptr;  // each channel's own min and max (channelExtents)
    int channel = 0;
    int hovered = -1;
};

// The legend of the maps view.
Legend mapsLegend(const ViewState& v, const LegendFacts& f);
// The A - B pane's legend: rdbu, symmetric around 0 (max |A-B| at the ends), per channel or layer.
Legend differenceLegend(double maxAbs, NormMode norm);

// Each channel's min and max of a (1,C,H,W) activation (one pass when it arrives).
void channelExtents(const cv::Mat& act, std::vector<Range>& out);
// "constant 0.25" when every value of channel c is the same, else "".
std::string constantText(const std::vector<Range>& extent, int c);
std::string numberText(double v);

// `view` with a column `width` wide on its right holding the legends stacked top to bottom.
cv::Mat burnLegends(const cv::Mat& view, const std::vector<Legend>& legends, int width = 112);

}  // namespace cnnscope::app
