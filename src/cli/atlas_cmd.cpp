// Headless `atlas`: every channel of every layer of a kind (all 5,504 conv channels of VGG19) for
// one frame in one PNG, one labelled band per layer.
#include "cli/cli.hpp"

#include "core/render/atlas.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/output_set.hpp"
#include "core/base/parse.hpp"
#include "core/pipeline/source.hpp"

#include <chrono>

namespace cnnscope::cli {

namespace {

double msBetween(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

struct AtlasCmd {
    CommonOptions common;
    std::string source, out, kind = "conv", layoutJson, caption = "none";
    int64_t frame = 0;
    AtlasOptions opts;

    int run() {
        if (!endsWith(lower(out), ".png")) return fail("--out must name a .png file, got '" + out + "'");
        if (!layoutJson.empty() && !endsWith(lower(layoutJson), ".json")) return fail("--layout must name a .json file, got '" + layoutJson + "'");
        auto cs = parseCaptionStyle(caption);
        if (!cs) return fail(cs.error());
        auto k = parseAtlasKind(kind);
        if (!k) return fail("--kind: " + k.error());
        auto display = parseDisplay(common);
        if (!display) return fail(display.error());
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        const auto layers = atlasLayers(model->layers(), *k);
        if (layers.empty())
            return fail(std::string("this model has no ") + atlasKindName(*k) + " layers with a (C,H,W) output" +
                        (*k == AtlasKind::Relu ? " (Keras conv layers already include their ReLU: use --kind conv)" : "; try --kind all"));
        auto layout = AtlasLayout::build(layers, opts);
        if (!layout) return fail(layout.error());
        auto style = loadStyle(common);
        if (!style) return fail(style.error());
        std::vector<OutputPath> outs = {{"--out", out}};
        if (!layoutJson.empty()) outs.push_back({"--layout", layoutJson});
        if (auto st = checkRunOutputs(common, source, outs, *model, *style); !st) return fail(st.error());
        cv::Mat image;
        if (auto st = readStylisedFrame(source, frame, *style, image); !st) return fail(st.error());

        Progress progress("atlas", 3, common.quiet);
        progress.step(0, cv::format("forward to %zu layers", layers.size()));
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<cv::Mat> acts;
        if (auto st = model->forward(image, layout->layerNames(), acts); !st) return fail(st.error());
        const auto t1 = std::chrono::steady_clock::now();
        progress.step(1, "downsampling tiles");
        AtlasFrame af;
        af.frameIndex = frame;
        if (auto st = packAtlas(acts, *layout, display->norm, af); !st) return fail(st.error());
        acts.clear();
        const auto t2 = std::chrono::steady_clock::now();
        progress.step(2, "colouring");
        cv::Mat canvas;
        renderAtlas(af, *layout, display->norm.gamma, display->colormap, canvas);
        canvas = captioned(canvas, *cs,
                           cv::format("%s | %d %s channels in %zu layers | frame %lld", pipelineLabel(*model, *style).c_str(),
                                      layout->tileCount(), atlasKindName(*k), layers.size(), (long long)frame),
                           displayFacts(display->colormap, display->norm));
        const auto t3 = std::chrono::steady_clock::now();
        // Both files or neither: each is renamed into place only after both were written.
        OutputBatch batch;
        if (auto st = batch.addImage(out, canvas, "--out"); !st) return fail(st.error());
        if (!layoutJson.empty())
            if (auto st = batch.addText(layoutJson, layout->json(), "--layout"); !st) return fail(st.error());
        if (auto st = batch.commit(); !st) return fail(st.error());
        const cv::Size in = model->preprocessing().size;
        progress.done(cv::format("%s, %s at %dx%d, frame %lld: %d %s channels in %zu layers -> %s (%dx%d); forward %.0f ms, "
                                 "tiles %.0f ms, colour %.0f ms; upload %.2f MB",
                                 pipelineLabel(*model, *style).c_str(), source.c_str(), in.width, in.height, (long long)frame,
                                 layout->tileCount(), atlasKindName(*k), layers.size(), out.c_str(), canvas.cols, canvas.rows,
                                 msBetween(t0, t1), msBetween(t1, t2), msBetween(t2, t3), double(layout->uploadBytes()) / 1e6));
        return 0;
    }
};

}  // namespace

void registerAtlas(CLI::App& app, std::function<int()>& action) {
    static AtlasCmd cmd;
    auto* c = app.add_subcommand("atlas",
                                 "Every channel of every layer of a kind for one frame in one PNG (VGG19: all 5,504 conv channels), "
                                 "one labelled band per layer, tiles box-downsampled");
    c->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--out", cmd.out, "Output .png")->required();
    c->add_option("--frame", cmd.frame, kFrameHelp)->default_val(0);
    c->add_option("--tile-size", cmd.opts.tile, "A tile's longer side in pixels; maps larger than this are box-downsampled")
        ->default_val(16);
    c->add_option("--columns", cmd.opts.columns, "Tiles per row of a layer's band")->default_val(64);
    c->add_option("--kind", cmd.kind, "Layers shown: conv, relu, pool or all (every layer with a (C,H,W) output)")->default_val("conv");
    c->add_option("--layout", cmd.layoutJson, "Also write the layout (bands, tile sizes, positions) as JSON");
    addModelOptions(*c, cmd.common);
    addDisplayOptions(*c, cmd.common);
    addStyleOptions(*c, cmd.common);
    addCaptionOption(*c, cmd.caption, "none", "the atlas (its bands keep their layer labels)",
                     "short (model | channels and layers | frame) or full (also colormap | normalize | gamma)");
    c->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
