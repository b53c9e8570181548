// Headless style commands: `stylize` (the style stage alone) and `compare` (what VGG19 sees in
// the original frame and in its stylised version, with both Gram matrices).
#include "cli/cli.hpp"
#include "cli/stream_loop.hpp"

#include "core/io/atomic_file.hpp"
#include "core/render/comparison.hpp"
#include "core/io/npy.hpp"
#include "core/base/parse.hpp"
#include "core/pipeline/source.hpp"
#include "record/sink.hpp"

#include <chrono>
#include <cmath>

namespace cnnscope::cli {

namespace {

bool isImageFile(const std::string& path) {
    const std::string p = lower(path);
    return endsWith(p, ".png") || endsWith(p, ".jpg") || endsWith(p, ".jpeg") || endsWith(p, ".bmp");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] stylize

struct StylizeCmd {
    CommonOptions common;
    std::string source, out, caption = "none";
    CaptionStyle captionStyle = CaptionStyle::None;

    // --caption: short "style LABEL | frame N", full also "run at WxH | SOURCE".
    cv::Mat withCaptionOf(const cv::Mat& styled, const StyleStage& net, const cv::Size& in, int64_t index) const {
        const cv::Size run = net.runSize(in);
        return captioned(styled, captionStyle, cv::format("style %s | frame %lld", net.label().c_str(), (long long)index),
                         cv::format("run at %dx%d | %s", run.width, run.height, source.c_str()));
    }
    int64_t frame = 0, frames = 0;
    double fps = 0;

    int run() {
        const OutputKind kind = isImageFile(out) ? OutputKind::File : outputKindFor(out);
        auto cs = parseCaptionStyle(caption);
        if (!cs) return fail(cs.error());
        captionStyle = *cs;
        if (auto st = checkRunOutputs(common, source, {{"--out", out, kind}}); !st) return fail(st.error());
        auto style = loadStyle(common);
        if (!style) return fail(style.error());
        if (auto st = checkRunOutputs(common, source, {{"--out", out, kind}}, nullptr, &style->value()); !st) return fail(st.error());
        auto src = FrameSource::open(source);
        if (!src) return fail(src.error());
        FrameSource& s = **src;
        cv::Mat image, styled;
        if (isImageFile(out)) {  // one frame
            if (auto st = s.readFrame(frame, image); !st) return fail(st.error());
            const auto t0 = std::chrono::steady_clock::now();
            if (auto st = style->value().apply(image, styled); !st) return fail(st.error());
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (auto st = writeImageAtomic(out, withCaptionOf(styled, style->value(), image.size(), frame), "--out"); !st)
                return fail(st.error());
            if (!common.quiet)
                std::fprintf(stderr, "stylize: frame %lld of %s -> %s (%s at %dx%d, %.0f ms)\n", (long long)frame, source.c_str(),
                             out.c_str(), style->value().label().c_str(), style->value().runSize(image.size()).width,
                             style->value().runSize(image.size()).height, ms);
            return 0;
        }
        // A stream: every frame (or --frames) into GIF, MP4 or a PNG folder.
        if (frame > 0)
            if (auto st = s.readFrame(frame - 1, image); !st) return fail(st.error());
        if (frames == 0 && s.still()) frames = 1;
        const double sourceFps = s.fps();
        const double outFps = fps > 0 ? fps : sourceFps > 0 ? sourceFps : 10.0;
        Progress progress("stylize", frames ? frames : std::max<int64_t>(0, s.claimedFrames() - s.framesRead()), common.quiet);
        StreamLoop loop{source, out, frames, outFps, "; finishing with the frames so far", style->value().label()};
        double styleMs = 0;
        int64_t index = frame;
        auto r = runStream(s, loop, progress, [&](cv::Mat& in, cv::Mat& styled, int& delayMs) {
            if (auto st = style->value().apply(in, styled); !st) return st;
            if (captionStyle != CaptionStyle::None) styled = withCaptionOf(styled, style->value(), in.size(), index);
            ++index;
            styleMs += style->value().lastMs();
            delayMs = int(std::lround(1000.0 / outFps));
            return Status{};
        });
        if (!r) return fail(r.error());
        progress.done(cv::format("%lld frames -> %s%s (style %.0f ms per frame)", (long long)r->written, out.c_str(),
                                 r->stopped ? " (stopped by signal; the file is complete)" : "", styleMs / double(r->written)));
        if (!r->shortSource.empty()) return reportShortSource(r->shortSource);
        return r->stopped ? 130 : 0;
    }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] compare

struct CompareCmd {
    CommonOptions common;
    std::string source, layer, out, gramPrefix, caption = "short";
    int channel = -1, tiles = kDefaultTiles, column = 448;
    int64_t frame = 0;

    int run() {
        if (!endsWith(lower(out), ".png")) return fail("--out must name a .png file, got '" + out + "'");
        auto cs = parseCaptionStyle(caption);
        if (!cs) return fail(cs.error());
        auto display = parseDisplay(common);
        if (!display) return fail(display.error());
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (layer.empty()) layer = model->defaultLayer();
        if (auto st = requireLayerChannel(*model, layer, channel); !st) return fail(st.error());
        auto style = loadStyle(common);
        if (!style) return fail(style.error());
        std::vector<OutputPath> outs = {{"--out", out}};
        if (!gramPrefix.empty()) {
            outs.push_back({"--gram", gramPrefix + "_original.npy"});
            outs.push_back({"--gram", gramPrefix + "_stylised.npy"});
        }
        if (auto st = checkRunOutputs(common, source, outs, &*model, &style->value()); !st) return fail(st.error());
        ComparisonInput in;
        if (auto st = readSourceFrame(source, frame, in.original); !st) return fail(st.error());
        const auto t0 = std::chrono::steady_clock::now();
        if (auto st = style->value().apply(in.original, in.stylised); !st) return fail(st.error());
        const auto t1 = std::chrono::steady_clock::now();
        if (auto st = model->forward(in.original, layer, in.originalAct); !st) return fail(st.error());
        if (auto st = model->forward(in.stylised, layer, in.stylisedAct); !st) return fail(st.error());
        const auto t2 = std::chrono::steady_clock::now();
        in.modelLabel = model->label();
        in.styleLabel = style->value().label();
        in.layer = layer;
        in.column = column;
        in.view = viewSpec(channel, tiles, *display);
        in.caption = *cs;
        auto r = renderComparison(in);
        if (!r) return fail(r.error());
        if (!gramPrefix.empty()) {
            if (auto st = writeNpy(gramPrefix + "_original.npy", r->originalGram); !st) return fail(st.error());
            if (auto st = writeNpy(gramPrefix + "_stylised.npy", r->stylisedGram); !st) return fail(st.error());
        }
        if (auto st = writeImageAtomic(out, r->figure, "--out"); !st) return fail(st.error());
        if (!common.quiet) {
            auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
            std::fprintf(stderr, "compare: %s, frame %lld, %s -> %s (style %.0f ms, 2 forwards %.0f ms); Gram distance %.4f\n",
                         in.styleLabel.c_str(), (long long)frame, layer.c_str(), out.c_str(), ms(t0, t1), ms(t1, t2), r->gramDistance);
        }
        return 0;
    }
};

}  // namespace

void registerStyle(CLI::App& app, std::function<int()>& action) {
    static StylizeCmd sty;
    static CompareCmd cmp;
    auto* s = app.add_subcommand("stylize", "Run a style network alone: one frame to an image, or a stream to GIF, MP4 or PNG folder");
    s->footer("Exit status 3: the stream was written but the source ended before its header's frame count (truncated?).");
    s->add_option("SOURCE", sty.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    s->add_option("--out", sty.out, "Output: F.png/.jpg (one frame), F.gif, F.mp4 (or .avi/.mkv), or a new folder for PNG frames")
        ->required();
    s->add_option("--frame", sty.frame, "Frame of a video: the one written to an image, or the first of a stream")
        ->default_val(0)
        ->check(CLI::NonNegativeNumber);
    s->add_option("--frames", sty.frames, "Frames to write to a stream (default: the whole file; live sources until Ctrl-C)");
    s->add_option("--fps", sty.fps, "Output frame rate (default: the source's)");
    s->add_option("--target", sty.common.target, "Compute target: " + targetNames() + " (falls back to cpu when not offered)")
        ->default_val("cpu");
    s->add_flag("-q,--quiet", sty.common.quiet, "No progress or warnings on stderr");
    addConvOption(*s, sty.common.conv);
    addStyleOptions(*s, sty.common, true);
    addCaptionOption(*s, sty.caption, "none", "the image (each frame of a stream)",
                     "short (style | frame) or full (also the size the network ran at | SOURCE)");
    s->callback([&] { action = [] { return sty.run(); }; });

    auto* c = app.add_subcommand("compare",
                                 "Original and stylised frame side by side: both frames, their feature maps at one layer, and "
                                 "both Gram matrices (what style transfer matches) as heatmaps, in one PNG");
    c->add_option("SOURCE", cmp.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--out", cmp.out, "Output .png")->required();
    c->add_option("--layer", cmp.layer, "Layer name (default: the model's first conv layer)");
    c->add_option("--channel", cmp.channel, "Show this channel alone (default: a grid)");
    c->add_option("--tiles", cmp.tiles, "Grid: tiles per side, N gives an NxN grid of channels")->default_val(kDefaultTiles);
    c->add_option("--column", cmp.column, "Width of each column in pixels")->default_val(448);
    c->add_option("--frame", cmp.frame, kFrameHelp)->default_val(0);
    c->add_option("--gram", cmp.gramPrefix, "Also write PREFIX_original.npy and PREFIX_stylised.npy, the (C, C) Gram matrices");
    addCaptionOption(*c, cmp.caption, "short", "the figure (the columns keep their titles)",
                     "short (model | layer | Gram distance) or full (also colormap | normalize | gamma)");
    addModelOptions(*c, cmp.common);
    addDisplayOptions(*c, cmp.common);
    addStyleOptions(*c, cmp.common, true);
    c->callback([&] { action = [] { return cmp.run(); }; });
}

}  // namespace cnnscope::cli
