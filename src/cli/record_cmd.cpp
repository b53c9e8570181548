// Headless `record`: the annotated view of every frame of a source, as GIF, MP4 or PNG folder.
#include "cli/cli.hpp"
#include "cli/stream_loop.hpp"

#include "core/render/colormap.hpp"
#include "core/render/mosaic.hpp"
#include "core/base/parse.hpp"
#include "core/pipeline/source.hpp"
#include "record/sink.hpp"

#include <chrono>
#include <cmath>

namespace cnnscope::cli {

namespace {

struct RecordCmd {
    CommonOptions common;
    std::string source, layer, out, size = "640x480", caption = "short";
    int channel = -1;
    bool grid = false;
    int64_t frames = 0;  // 0: to the end of a file (1 for an image); live sources until Ctrl-C
    double fps = 0;      // 0: the source's own timing
    int64_t start = 0;
    int tiles = kDefaultTiles, page = 0;
    bool all = false, colorbar = false;

    // --colorbar: one channel's range; a grid's shared range (layer, fixed), or, where each tile
    // has its own (channel, percentile), bare words that say so.
    static cv::Mat legend(const cv::Mat& image, const ViewSpec& spec, const MosaicScratch& scratch, int C) {
        const bool own = spec.norm.mode == NormMode::Channel || spec.norm.mode == NormMode::Percentile;
        if (spec.grid && own) return withColorbar(image, spec.colormap, "max", "min", "per channel");
        return withColorbar(image, spec.colormap, scratch.ranges[size_t(spec.grid ? 0 : std::min(spec.channel, C - 1))]);
    }

    int run() {
        auto display = parseDisplay(common);
        if (!display) return fail(display.error());
        auto canvas = parseSize(size, 64, 4096);
        if (!canvas) return fail("--size: " + canvas.error());
        auto captionStyle = parseCaptionStyle(caption);
        if (!captionStyle) return fail(captionStyle.error());
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (auto st = requireLayerChannel(*model, layer, channel); !st) return fail(st.error());
        const int C = model->find(layer)->channels();
        auto style = loadStyle(common);
        if (!style) return fail(style.error());
        const std::string label = pipelineLabel(*model, *style);
        if (auto st = checkRunOutputs(common, source, {{"--out", out, outputKindFor(out)}}, *model, *style);
            !st)
            return fail(st.error());
        auto src = FrameSource::open(source);
        if (!src) return fail(src.error());
        FrameSource& s = **src;
        cv::Mat frame, act, view;
        if (start > 0)
            if (auto st = s.readFrame(start - 1, frame); !st) return fail(st.error());
        if (frames == 0 && s.still()) frames = 1;

        ViewSpec spec = viewSpec(channel, tiles, *display);
        spec.page = page;
        spec.allChannels = all;
        const double sourceFps = s.fps();
        const int fixedDelay = fps > 0 ? int(std::lround(1000.0 / fps)) : sourceFps > 0 ? int(std::lround(1000.0 / sourceFps)) : 0;

        MosaicScratch scratch;
        Progress progress("record", frames ? frames : std::max<int64_t>(0, s.claimedFrames() - s.framesRead()), common.quiet);
        const auto t0 = std::chrono::steady_clock::now();
        auto lastCapture = t0;
        double forwardMs = 0, styleMs = 0;
        StreamLoop loop{source, out, frames, fps > 0 ? fps : sourceFps > 0 ? sourceFps : 10.0,
                        "; finishing the recording with the frames so far", layer};
        auto r = runStream(s, loop, progress, [&](cv::Mat& in, cv::Mat& annotated, int& delay) {
            const auto now = std::chrono::steady_clock::now();
            delay = fixedDelay > 0 ? fixedDelay : std::max(20, int(std::chrono::duration<double, std::milli>(now - lastCapture).count()));
            lastCapture = now;
            if (auto st = stylise(*style, in); !st) return st;
            if (*style) styleMs += (*style)->lastMs();
            const auto f0 = std::chrono::steady_clock::now();
            if (auto st = model->forward(in, layer, act); !st) return st;
            forwardMs += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - f0).count();
            renderView(act, spec, *canvas, view, scratch);
            const int64_t index = s.framesRead() - 1;
            const double seconds = sourceFps > 0 ? double(index) / sourceFps : std::chrono::duration<double>(now - t0).count();
            annotated = captioned(view, *captionStyle, viewCaption(label, layer, spec, C, index, seconds),
                                  displayFacts(spec.colormap, spec.norm));
            if (colorbar) annotated = legend(annotated, spec, scratch, C);
            return Status{};
        });
        if (!r) return fail(r.error());
        const int64_t written = r->written;
        const double total = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        const auto finalStats = r->stats.written ? r->stats : EncoderStats{};
        progress.done(cv::format("%lld frames -> %s%s (%.0f ms per frame: %sforward %.0f, encode %.1f)", (long long)written,
                                 out.c_str(), r->stopped ? " (stopped by signal; the file is complete)" : "", total / double(written),
                                 *style ? cv::format("style %.0f, ", styleMs / double(written)).c_str() : "",
                                 forwardMs / double(written), finalStats.encodeMs));
        if (!r->shortSource.empty()) return reportShortSource(r->shortSource);
        return r->stopped ? 130 : 0;
    }
};

}  // namespace

void registerRecord(CLI::App& app, std::function<int()>& action) {
    static RecordCmd cmd;
    auto* rec = app.add_subcommand("record", "Record the annotated feature-map view of a source as GIF, MP4 or a folder of PNGs");
    rec->footer("Exit status: 0 done, 1 error (nothing written), 2 usage, 3 written but the source ended before its header's "
                "frame count (truncated?), 130 stopped by a signal (the file is complete).");
    rec->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    rec->add_option("--layer", cmd.layer, "Layer name (see `cnnscope layers`)")->required();
    auto* ch = rec->add_option("--channel", cmd.channel, "Record this channel alone");
    rec->add_flag("--grid", cmd.grid, "Record the grid of channels (the default)")->excludes(ch);
    rec->add_option("--out", cmd.out, "Output: F.gif, F.mp4 (or .avi/.mkv), or a new folder for PNG frames")->required();
    rec->add_option("--frames", cmd.frames, "Frames to record (default: the whole file; live sources until Ctrl-C)");
    rec->add_option("--start", cmd.start, "First frame of a video file")->default_val(0);
    rec->add_option("--fps", cmd.fps, "Output frame rate (default: the source's own timing)");
    rec->add_option("--size", cmd.size, "Size of the maps in each frame, WxH (the caption, if any, is added below)")->default_val("640x480");
    rec->add_option("--tiles", cmd.tiles, "Grid: tiles per side, N gives an NxN grid of channels")->default_val(kDefaultTiles);
    rec->add_option("--page", cmd.page, "Grid: which page of tiles*tiles channels (0 = channels 0..N*N-1)")->default_val(0);
    rec->add_flag("--all", cmd.all, "Grid: every channel at once, in one near-square grid instead of a page");
    addCaptionOption(*rec, cmd.caption, "short", "each frame");
    rec->add_flag("--colorbar", cmd.colorbar, "Add a colorbar: the channel's value range; for a grid the layer's (--normalize layer or fixed), or "
                  "'max'/'min' 'per channel' where each tile has its own range (channel, percentile)");
    addModelOptions(*rec, cmd.common);
    addDisplayOptions(*rec, cmd.common);
    addStyleOptions(*rec, cmd.common);
    rec->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
