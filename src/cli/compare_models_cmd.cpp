// Headless `compare-models`: the same frame through two networks, a layer matched by name (or by
// position among conv layers), drawn side by side with the difference A - B.
#include "cli/cli.hpp"

#include "core/io/atomic_file.hpp"
#include "core/model/model_diff.hpp"
#include "core/io/npy.hpp"
#include "core/base/parse.hpp"
#include "core/pipeline/source.hpp"

namespace cnnscope::cli {

namespace {

struct CompareModelsCmd {
    CommonOptions common;
    std::string source, model2, layer, out, diffNpy, caption = "short";
    int channel = -1, tiles = kDefaultTiles, column = 320;
    int64_t frame = 0;

    int run() {
        if (!endsWith(lower(out), ".png")) return fail("--out must name a .png file, got '" + out + "'");
        if (!diffNpy.empty() && !endsWith(lower(diffNpy), ".npy")) return fail("--diff must name a .npy file, got '" + diffNpy + "'");
        if (column < 64 || column > 2048) return fail("--column must be between 64 and 2048 pixels");
        auto cs = parseCaptionStyle(caption);
        if (!cs) return fail(cs.error());
        auto display = parseDisplay(common);
        if (!display) return fail(display.error());
        auto a = loadModel(common);
        if (!a) return fail("--model: " + a.error());
        CommonOptions second = session::secondModelOptions(common, model2);
        auto b = loadModel(second);
        if (!b) return fail("--model2: " + b.error());
        if (layer.empty()) layer = a->defaultLayer();
        if (auto st = requireLayerChannel(*a, layer, channel); !st) return fail(st.error());
        auto match = matchLayer(a->layers(), layer, b->layers());
        if (!match) return fail(match.error());
        std::vector<OutputPath> outs = {{"--out", out}};
        if (!diffNpy.empty()) outs.push_back({"--diff", diffNpy});
        if (auto st = checkRunOutputs(common, source, outs, &*a, nullptr, {{"--model2", second.model}, {"--model2", b->source()}}); !st)
            return fail(st.error());
        if (!common.quiet) std::fprintf(stderr, "compare-models: %s -> %s: %s\n", layer.c_str(), match->layerB.c_str(), match->note.c_str());
        cv::Mat image;
        if (auto st = readSourceFrame(source, frame, image); !st) return fail(st.error());
        ModelComparisonInput in;
        if (auto st = a->forward(image, layer, in.actA); !st) return fail("model A: " + st.error());
        if (auto st = b->forward(image, match->layerB, in.actB); !st) return fail("model B: " + st.error());
        in.labelA = a->label();
        in.labelB = b->label();
        in.match = *match;
        in.column = column;
        in.frameIndex = frame;
        in.view = viewSpec(channel, tiles, *display);
        auto r = renderModelComparison(in);
        if (!r) return fail(r.error());
        if (!diffNpy.empty())
            if (auto st = writeNpy(diffNpy, r->diff); !st) return fail(st.error());
        // The figure ends in its short caption (frame | view | layers | max |A-B|): none cuts it
        // off below the panels, full adds the colour facts.
        cv::Mat figure = r->figure;
        if (*cs == CaptionStyle::None) figure = r->figure.rowRange(0, r->panels[0].br().y).clone();
        if (*cs == CaptionStyle::Full) figure = withCaption(figure, displayFacts(display->colormap, display->norm));
        if (auto st = writeImageAtomic(out, figure); !st) return fail(st.error());
        if (!common.quiet)
            std::fprintf(stderr, "compare-models: %s vs %s, frame %lld -> %s; max |A-B| = %.4g (max |A| = %.4g)\n", in.labelA.c_str(),
                         in.labelB.c_str(), (long long)frame, out.c_str(), double(r->maxAbs), cv::norm(in.actA, cv::NORM_INF));
        return 0;
    }
};

}  // namespace

void registerCompareModels(CLI::App& app, std::function<int()>& action) {
    static CompareModelsCmd cmd;
    auto* c = app.add_subcommand("compare-models",
                                 "The same frame through two networks: one layer of each side by side (matched by name, else by "
                                 "position among conv layers) and their difference A - B on the diverging rdbu colormap, scaled symmetrically around 0 "
                                 "per channel ([-M, M], M = max |A - B|; per layer with --normalize layer), in one PNG");
    c->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--model2", cmd.model2, "Network B: a file or models.yml name as for --model, or 'untrained' (the seeded VGG19)")
        ->required();
    c->add_option("--out", cmd.out, "Output .png")->required();
    c->add_option("--layer", cmd.layer, "Layer of network A (default: its first conv layer); B's is the same name, else the conv "
                                        "layer at the same position (after B's ReLU when it has a separate one)");
    c->add_option("--channel", cmd.channel, "Show this channel alone (default: a grid)");
    c->add_option("--tiles", cmd.tiles, "Grid: tiles per side, N gives an NxN grid of channels")->default_val(kDefaultTiles);
    c->add_option("--column", cmd.column, "Width of each panel in pixels")->default_val(320);
    c->add_option("--frame", cmd.frame, kFrameHelp)->default_val(0);
    c->add_option("--diff", cmd.diffNpy, "Also write the difference A - B as float32 .npy, shape (1, C, H, W)");
    addModelOptions(*c, cmd.common);
    addDisplayOptions(*c, cmd.common);
    addCaptionOption(*c, cmd.caption, "short", "the figure (the panels keep their titles)",
                     "short (frame | view | layers | max |A-B|) or full (also colormap | normalize | gamma)");
    c->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
