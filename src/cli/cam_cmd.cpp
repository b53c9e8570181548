// Headless `cam`: a class activation map (Grad-CAM, Grad-CAM++, LayerCAM, EigenCAM) of one frame
// at a layer, for a class (default: the frame's top-1), as float32 .npy at the layer's resolution
// or a PNG overlay on the frame with a caption.
#include "cli/cli.hpp"

#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/npy.hpp"
#include "core/model/classifier.hpp"
#include "core/model/model_check.hpp"
#include "core/render/colormap.hpp"
#include "core/render/mosaic.hpp"
#include "core/unit/cam.hpp"

#include <opencv2/imgproc.hpp>

#include <cstdio>

namespace cnnscope::cli {

namespace {

// The last convolution's output: its row, or the ReLU right after it when the net has the
// activation as a layer of its own (ONNX, Caffe).
std::string lastConvLayer(const Model& model) {
    const auto& rows = model.layers();
    for (size_t i = rows.size(); i-- > 0;) {
        if (!rows[i].spatial() || rows[i].type.find("Conv") == std::string::npos) continue;
        if (i + 1 < rows.size() && rows[i + 1].type == "ReLU" && rows[i + 1].spatial()) return rows[i + 1].name;
        return rows[i].name;
    }
    return {};
}

struct CamCmd {
    CommonOptions common;
    std::string source, method, layer, out, labels;
    int classIndex = -1;
    int64_t frame = 0;

    int run() {
        const std::string o = lower(out);
        const bool npy = endsWith(o, ".npy");
        if (!npy && !endsWith(o, ".png")) return fail("--out must name a .npy or .png file, got '" + out + "'");
        auto m = parseCamMethod(method);
        if (!m) return fail("--method: " + m.error());
        auto model = loadModel(common, nullptr, /*withHead=*/true);
        if (!model) return fail(model.error());
        if (!model->hasHead()) return fail(model->headProblem());
        if (auto p = model->headSizeProblem(); !p.empty()) return fail(p);
        if (classIndex >= model->classCount())
            return fail("--class " + std::to_string(classIndex) + " is out of range: the model has " + std::to_string(model->classCount()) +
                        " classes (0.." + std::to_string(model->classCount() - 1) + ")");
        auto names = loadClassLabels(labels, model->classCount());
        if (!names) return fail(names.error());
        if (layer.empty()) layer = lastConvLayer(*model);
        if (layer.empty()) return fail("model '" + model->source() + "' has no convolution layer: name one with --layer");
        auto chain = BackwardChain::buildToLogits(*model);
        if (!chain) return fail(chain.error());
        const LayerInfo* info = model->find(layer);
        if (!info || !info->spatial() || info->name == "input" || chain->output(layer).empty()) {
            // output() is empty before a forward; check the name against the chain's maps instead.
            std::string list;
            for (const auto& n : model->spatialLayerNames()) list += (list.empty() ? "" : ", ") + n;
            if (!info || !info->spatial() || info->name == "input")
                return fail("--layer '" + layer + "' is not a layer with a (C,H,W) map before the classifier head (" +
                            (info ? "it is part of the head or has no map" : "no such layer") + "); choose one of: " + list);
        }
        // OpenCV runs a convolution followed by its own ReLU layer as one: only the ReLU's output exists.
        const auto& rows = model->layers();
        for (size_t i = 0; i + 1 < rows.size(); ++i)
            if (rows[i].name == info->name && rows[i].type == "Convolution" && rows[i + 1].type == "ReLU")
                return fail("--layer '" + layer + "' is a convolution that runs fused with its ReLU, so its own output is not kept; "
                            "take the map after the ReLU: --layer " + rows[i + 1].name);
        std::vector<InputPath> extra;
        if (!labels.empty()) extra.push_back({"--labels", labels});
        if (auto st = checkRunOutputs(common, source, {{"--out", out}}, &*model, nullptr, extra); !st) return fail(st.error());
        cv::Mat image;
        if (auto st = readSourceFrame(source, frame, image); !st) return fail(st.error());
        const cv::Mat blob = model->preprocessFrame(image).clone();
        CamResult r;
        if (auto st = computeCam(*chain, blob, layer, *m, classIndex, r); !st) return fail(st.error());
        const std::string label = (*names)[size_t(r.classIndex)];
        if (npy) {
            if (auto st = writeNpy(out, r.map); !st) return fail(st.error());
        } else {
            cv::Mat up, heat;
            cv::resize(r.map, up, image.size(), 0, 0, cv::INTER_LINEAR);
            double lo = 0, hi = 0;
            cv::minMaxLoc(up, &lo, &hi);
            colorize(up, Range{float(lo), float(hi > lo ? hi : lo + 1)}, 1.f, Colormap::Hot, heat);
            cv::Mat blend;
            cv::addWeighted(image, 0.5, heat, 0.5, 0, blend);
            const std::string caption = cv::format("%s: class %d %s, p=%.3f, %s at %s", pipelineLabel(*model, std::string()).c_str(),
                                                   r.classIndex, shownName(label).c_str(), r.probability, camMethodName(*m), layer.c_str());
            if (auto st = writeImageAtomic(out, withCaption(blend, caption), "--out"); !st) return fail(st.error());
        }
        if (!common.quiet)
            std::fprintf(stderr, "cam: %s %s at %s (%dx%d), class %d %s p=%.4f logit=%.4f -> %s (forward %.1f ms, backward %.1f ms)\n",
                         pipelineLabel(*model, std::string()).c_str(), camMethodName(*m), layer.c_str(), r.map.cols, r.map.rows,
                         r.classIndex, shownName(label).c_str(), r.probability, r.logit, out.c_str(), r.forwardMs, r.backwardMs);
        return 0;
    }
};

}  // namespace

void registerCam(CLI::App& app, std::function<int()>& action) {
    static CamCmd cmd;
    auto* c = app.add_subcommand(
        "cam",
        "Class activation map of one frame (pytorch-grad-cam's definitions; the target is the class logit before the softmax): "
        "gradcam, gradcam++, layercam (gradient from the logits back through the head) or eigencam (no gradient)");
    c->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--method", cmd.method, "gradcam, gradcam++, layercam or eigencam")->required();
    c->add_option("--layer", cmd.layer, "Layer with a (C,H,W) map before the head (default: the last convolution's output)");
    c->add_option("--class", cmd.classIndex, "Class index (default: the frame's top-1)");
    c->add_option("--out", cmd.out,
                  "F.npy: the map at the layer's resolution, float32 (H, W), before upsampling and normalisation; F.png: "
                  "overlaid on the frame ('hot', min-max) with a caption (class, probability, method, layer)")
        ->required();
    c->add_option("--labels", cmd.labels, "Class names, one per line (default: ImageNet's from opencv-doc)");
    c->add_option("--frame", cmd.frame, "Frame index of a video, from 0")->default_val(0)->check(CLI::NonNegativeNumber);
    addModelOptions(*c, cmd.common);
    c->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
