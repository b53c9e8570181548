// Headless `backprop`: one unit's back-projection to the input image (guided, deconv or grad),
// as float32 .npy (1, 3, H, W) or a PNG rendered as the window shows it.
#include "cli/cli.hpp"
#include "core/model/precision.hpp"

#include "core/io/atomic_file.hpp"
#include "core/unit/backward.hpp"
#include "core/io/npy.hpp"
#include "core/base/parse.hpp"
#include "core/base/median.hpp"
#include "core/pipeline/source.hpp"

#include <algorithm>

namespace cnnscope::cli {

namespace {

struct BackpropCmd {
    CommonOptions common;
    std::string source, layer, out, mode = "guided", caption = "none";
    int channel = 0;
    int64_t frame = 0;
    int repeat = 1;
    std::string modeOption = "--backprop";  // as the user spelt it (--mode: the old name)

    int run() {
        const std::string o = lower(out);
        const bool npy = endsWith(o, ".npy");
        if (!npy && !endsWith(o, ".png")) return fail("--out must name a .npy or .png file, got '" + out + "'");
        setExactOutputs(npy);  // exported numbers: --precision auto means f32
        if (repeat < 1 || repeat > 1000) return fail("--repeat must be between 1 and 1000");
        auto cs = parseCaptionStyle(caption);
        if (!cs) return fail(cs.error());
        if (npy && *cs != CaptionStyle::None)
            return fail("--caption is for a .png --out; a .npy holds the bare gradient (give F.png, or drop --caption)");
        auto m = parseReluMode(mode);
        if (!m) return fail(modeOption + ": " + m.error());
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (auto st = requireLayerChannel(*model, layer, channel); !st) return fail(st.error());
        auto chain = BackwardChain::build(*model, layer);
        if (!chain) return fail(chain.error());
        if (auto st = checkRunOutputs(common, source, {{"--out", out}}, &*model); !st) return fail(st.error());
        cv::Mat image, grad;
        if (auto st = readSourceFrame(source, frame, image); !st) return fail(st.error());
        const cv::Mat blob = model->preprocessFrame(image).clone();
        std::vector<double> fwd, bwd;
        for (int i = 0; i < repeat; ++i) {
            if (auto st = backProject(*chain, blob, layer, channel, *m, grad); !st) return fail(st.error());
            fwd.push_back(chain->lastForwardMs());
            bwd.push_back(chain->lastBackwardMs());
        }
        if (npy) {
            if (auto st = writeNpy(out, grad); !st) return fail(st.error());
        } else {
            cv::Mat png;
            renderBackprop(grad, model->preprocessing().swapRB, image.size(), png);
            png = captioned(png, *cs,
                            cv::format("%s | %s channel %d | %s back-projection | frame %lld", pipelineLabel(*model, std::string()).c_str(),
                                       layer.c_str(), channel, mode.c_str(), (long long)frame),
                            "signed RGB: grey 128 = 0, each colour scaled by the largest |value|");
            if (auto st = writeImageAtomic(out, png); !st) return fail(st.error());
        }
        if (!common.quiet)
            std::fprintf(stderr, "backprop: %s %s channel %d, %s mode, %dx%d -> %s (forward %.1f ms, backward %.1f ms%s)\n",
                         pipelineLabel(*model, std::string()).c_str(), layer.c_str(), channel, mode.c_str(), blob.size[3],
                         blob.size[2], out.c_str(), median(fwd), median(bwd),
                         repeat > 1 ? cv::format(", medians of %d runs", repeat).c_str() : "");
        return 0;
    }
};

}  // namespace

void registerBackprop(CLI::App& app, std::function<int()>& action) {
    static BackpropCmd cmd;
    auto* c = app.add_subcommand(
        "backprop",
        "Project one unit back to the image: the seed is the channel's activation map at the layer (other channels zero), "
        "carried down through max pools (to the forward winner), convolutions (transposed, no bias) and ReLUs (per --backprop). "
        "Goes through conv, ReLU and max-pool layers only");
    c->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--layer", cmd.layer, "Layer name (see `cnnscope layers`)")->required();
    c->add_option("--channel", cmd.channel, "Channel of the layer")->default_val(0)->check(CLI::NonNegativeNumber);
    c->add_option("--out", cmd.out,
                  "F.npy: the gradient at the input blob, float32 (1, 3, H, W), in the blob's channel order; F.png: as the "
                  "window shows it, signed RGB (128 grey = 0, each colour scaled by the largest |value|) at the frame's size")
        ->required();
    c->add_option("--backprop", cmd.mode,
                  "ReLU rule: guided g*[x>0]*[g>0], deconv max(g,0) (Zeiler & Fergus, Deep Visualization Toolbox), grad g*[x>0]")
        ->default_val("guided");
    c->add_option("--frame", cmd.frame, kFrameHelp)->default_val(0);
    c->add_option("--repeat", cmd.repeat, "Run N times and report the median forward and backward time (timing)")->default_val(1);
    addModelOptions(*c, cmd.common);
    addCaptionOption(*c, cmd.caption, "none", "the .png",
                     "short (model | layer channel | mode | frame) or full (also how the colours read)");
    c->callback([&, c] {
        if (c->count("--mode")) cmd.modeOption = "--mode";
        action = [] { return cmd.run(); };
    });
}

}  // namespace cnnscope::cli
