// Sweep GIFs.
#include "record/sweep.hpp"

#include "core/base/interrupt.hpp"
#include "record/gif_writer.hpp"

namespace cnnscope {

std::vector<SweepFrame> channelSweep(const cv::Mat& act, const std::string& layer) {
    std::vector<SweepFrame> frames;
    for (int c = 0; c < act.size[1]; ++c) frames.push_back({&act, layer, c});
    return frames;
}

std::vector<SweepFrame> layerSweep(const std::vector<cv::Mat>& acts, const std::vector<std::string>& layers, int channel) {
    std::vector<SweepFrame> frames;
    for (size_t i = 0; i < acts.size() && i < layers.size(); ++i)
        frames.push_back({&acts[i], layers[i], std::min(channel, acts[i].size[1] - 1)});
    return frames;
}

Status writeSweepGif(const std::string& path, const std::vector<SweepFrame>& frames, const SweepOptions& o) {
    if (frames.empty()) return Error{"nothing to sweep"};
    MosaicScratch scratch;
    cv::Mat tile;
    ViewSpec spec;
    spec.grid = false;
    spec.colormap = o.colormap;
    spec.norm = o.norm;
    auto render = [&](const SweepFrame& f) {
        spec.channel = f.channel;
        renderView(*f.act, spec, o.size, tile, scratch);
        return captioned(tile, o.caption, viewCaption(o.modelLabel, f.layer, spec, f.act->size[1], o.frameIndex, o.seconds),
                         displayFacts(o.colormap, o.norm));
    };
    const cv::Mat first = render(frames[0]);
    auto gif = GifWriter::create(path, first.size());
    if (!gif) return Error{gif.error()};
    for (size_t i = 0; i < frames.size(); ++i) {
        if (interrupted() || (o.cancel && o.cancel->load())) return Error{"sweep cancelled; '" + path + "' was not written"};
        if (auto st = (*gif)->addFrame(i == 0 ? first : render(frames[i]), o.delayMs); !st) return st;
        if (o.progress) o.progress(int(i + 1), int(frames.size()));
    }
    return (*gif)->finish();
}

}  // namespace cnnscope
