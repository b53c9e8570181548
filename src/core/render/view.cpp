// The view description's invariants and captions.
#include "core/render/view.hpp"

#include <algorithm>
#include <cmath>

namespace cnnscope {

void clamp(ViewState& s) {
    s.channel = std::max(0, s.channel);
    s.tiles = std::clamp(s.tiles, 1, 32);
    s.page = std::max(0, s.page);
    s.opacity = std::clamp(s.opacity, 0.f, 1.f);
    s.norm.gamma = std::clamp(s.norm.gamma, 0.1f, 10.f);
    s.norm.percentile = std::clamp(s.norm.percentile, 50.5f, 100.f);
    if (!(s.norm.fixedHi > s.norm.fixedLo)) s.norm.fixedHi = s.norm.fixedLo + 1.f;
    if (int(s.mode) < 0 || int(s.mode) > 2) s.mode = ViewMode::Grid;
    if (int(s.colormap) < 0 || int(s.colormap) >= int(colormapNames().size())) s.colormap = Colormap::Hot;
    s.windowW = std::clamp(s.windowW, 320, 8192);
    s.windowH = std::clamp(s.windowH, 240, 8192);
}

int allChannelsCols(int channels) { return int(std::ceil(std::sqrt(double(channels)))); }

std::string caption(const ViewState& v, const CaptionFacts& f, CaptionFor where) {
    const int C = f.channels;
    if (where == CaptionFor::File) {
        ViewSpec spec;
        spec.grid = v.mode == ViewMode::Grid;
        spec.channel = v.channel;
        spec.tiles = v.tiles;
        spec.page = f.gridFirst / std::max(1, f.gridCount);
        spec.allChannels = v.allChannels;
        std::string text = viewCaption(f.label, f.layer, spec, C, f.frameIndex, f.seconds);
        if (v.mode == ViewMode::Overlay) text += " | overlay";
        if (v.atlas) text = cv::format("%s | atlas: every conv channel | frame %lld", f.label.c_str(), (long long)f.frameIndex);
        if (f.gramDistance >= 0) text += cv::format(" | Gram distance %.3f", f.gramDistance);
        return text;
    }
    std::string text = f.label + "  " + f.layer;
    if (v.atlas) text = f.label + "  atlas: every conv channel (wheel: zoom, drag: pan, click: show a channel)";
    else if (C > 0) {
        if (v.mode == ViewMode::Grid) {
            const int last = std::min(C, f.gridFirst + f.gridCount) - 1;
            text += "  channels " + std::to_string(f.gridFirst) + "-" + std::to_string(last) + " of " + std::to_string(C);
        } else {
            text += "  channel " + std::to_string(std::min(v.channel, C - 1)) + " of " + std::to_string(C);
        }
    }
    if (f.paused) text += "  [paused]";
    return text;
}

CompareLabels compareLabels(int side, const std::string& styleLabel, const std::string& layer, int gramChannels,
                            double gramDistance, CaptionFor where) {
    CompareLabels l;
    l.title = side == 0 ? "original" : "stylised: " + styleLabel;
    l.layer = layer;
    l.gram = cv::format("Gram %dx%d (shared scale)", gramChannels, gramChannels);
    if (where == CaptionFor::Screen && side == 1) l.gram += cv::format("  distance %.3f", gramDistance);
    return l;
}

}  // namespace cnnscope
