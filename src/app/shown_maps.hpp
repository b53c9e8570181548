// The maps on screen, as the window holds them: the pipeline's newest result, the activations
// shown (that result's, a cached layer's, a kept frame's or a view's own), the frame they are of,
// their colour ranges, and the layers already computed for that frame. The window's data; the views
// see it through ViewContext (act, shownLayer, shownFrameId, result).
#pragma once

#include "core/pipeline/pipeline.hpp"
#include "app/legend.hpp"  // channelExtents
#include "core/render/normalize.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cnnscope::app::detail {

struct ShownMaps {
    InferenceResult result;  // the pipeline's newest
    uint64_t resultSeen = 0;  // its id, for Pipeline::takeResult (0: take the pipeline's again)
    cv::Mat act;              // what is on screen (result.act or a cached layer)
    cv::Mat frame;            // the frame those maps are of (the input frame pane's)
    std::string layer;        // the layer of act
    uint64_t frameId = 0;     // the frame of act (history frames have the top bit set)
    // Results for the frame on screen (paused or still): on such a frame every layer is computed
    // once in the background (the prefetch, of prefetchFrameId), so that a layer switch shows at
    // the next UI frame.
    std::map<std::string, cv::Mat> layerCache;
    uint64_t prefetchFrameId = 0;
    std::vector<Range> ranges;  // each channel's colour range under the normalisation
    std::vector<Range> extent;  // each channel's own min and max: constant channels, the legend
    std::vector<float> rangeScratch;

    int channels() const { return act.empty() ? 0 : act.size[1]; }
    // ranges and extent from act, after act changed or the normalisation did.
    void refreshRanges(const Normalization& norm) {
        if (!act.empty()) channelRanges(act, norm, ranges, rangeScratch);
        channelExtents(act, extent);
    }
};

}  // namespace cnnscope::app::detail
