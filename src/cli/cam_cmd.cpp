// Headless `cam`: a class activation map (Grad-CAM, Grad-CAM++, LayerCAM, EigenCAM, Score-CAM,
// occlusion) of a frame at a layer, for a class (default: the frame's top-1), as float32 .npy at
// the layer's resolution, a PNG overlay on the frame with a colorbar and a caption, or a GIF/MP4
// of a video's frames; the faithfulness figure and, with --ablate, the network with channels zeroed.
#include "cli/cli.hpp"
#include "core/model/precision.hpp"
#include "cli/stream_loop.hpp"
#include "cli/why_common.hpp"

#include "core/base/limits.hpp"
#include "core/base/median.hpp"
#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/npy.hpp"
#include "core/render/colormap.hpp"
#include "core/render/mosaic.hpp"
#include "core/unit/attribution.hpp"
#include "core/unit/cam_faith.hpp"
#include "core/unit/cam_forwards.hpp"
#include "record/sink.hpp"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace cnnscope::cli {

namespace {

// The map over the frame (camBlend), a colorbar of the map's own values, and the caption.
cv::Mat camOverlay(const cv::Mat& frame, const cv::Mat& map, CaptionStyle style, const std::string& shortText, const std::string& fullText) {
    Range range;
    const cv::Mat blend = camBlend(frame, map, &range);
    return captioned(withColorbar(blend, Colormap::Hot, range), style, shortText, fullText);
}

struct FrameResult {
    CamResult cam;
    std::vector<ClassScore> top, ablatedTop;
    Faithfulness faith;
};

struct CamCmd {
    CommonOptions common;
    std::string source, method, layer, out, labels, json, caption = "short", ablate;
    int classIndex = -1, batch = 8, patch = 32, stride = 16, repeat = 1;
    int64_t frame = 0, frames = 0;
    uint64_t seed = 0;

    WhyModel why;
    CamMethod m = CamMethod::GradCam;
    std::optional<BackwardChain> chain, ablatedChain;
    std::vector<int> ablated;

    std::string what() const {
        if (m == CamMethod::Occlusion) return cv::format("occlusion (patch %d, stride %d)", patch, stride);
        return std::string(camMethodName(m)) + " at " + why.layer;
    }

    Status mapFrame(const cv::Mat& image, int64_t index, FrameResult& r) {
        Model& model = *why.model;
        const cv::Mat blob = model.preprocessFrame(image).clone();
        ForwardsOptions fo{batch, patch, stride, {}, {}, {}};
        Progress progress(cv::format("cam %s", camMethodName(m)), 0, common.quiet);
        fo.progress = [&](int done, int total) {
            progress.setTotal(total);
            progress.step(done, cv::format(" forwards of frame %lld", (long long)index));
        };
        int cls = classIndex;
        if (ablatedChain) {  // the intact network's top 5 and class first
            CamResult head;
            cv::Mat A;
            if (auto st = camForward(*chain, blob, why.layer, classIndex, head, A); !st) return st;
            r.top = topClasses(head.logits, std::min(5, model.classCount()), why.names);
            cls = head.classIndex;
        }
        // --repeat: the map computed again on the same frame, its forward and backward times the
        // medians (a timing of the method alone: nothing else runs between the repeats).
        std::vector<double> fwd, bwd;
        for (int i = 0; i < repeat; ++i) {
            const Status st = camIsForwardsOnly(m) ? computeForwardsCam(model, image, blob, why.layer, m, cls, fo, r.cam)
                                                   : computeCam(ablatedChain ? *ablatedChain : *chain, blob, why.layer, m, cls, r.cam);
            if (!st) return st;
            fwd.push_back(r.cam.forwardMs);
            bwd.push_back(r.cam.backwardMs);
        }
        if (repeat > 1) {
            r.cam.forwardMs = median(fwd);
            r.cam.backwardMs = median(bwd);
        }
        progress.clear();
        (ablatedChain ? r.ablatedTop : r.top) = topClasses(r.cam.logits, std::min(5, model.classCount()), why.names);
        const LogitsOf logitsOf = chain ? chainLogits(ablatedChain ? *ablatedChain : *chain)
                                        : LogitsOf([&model](const cv::Mat& b, cv::Mat& z) { return batchLogits(model, b, z); });
        return faithfulness(logitsOf, blob, r.cam.map, r.cam.classIndex, r.cam.probability, 0.2, seed, r.faith);
    }

    std::string captionShort(const FrameResult& r) const {
        return classText(r.cam.classIndex, why.names[size_t(r.cam.classIndex)], r.cam.probability) + " | " + what() +
               (ablated.empty() ? "" : " | " + std::to_string(ablated.size()) + " channel(s) ablated");
    }
    std::string captionFull(const FrameResult& r, int64_t index) const {
        return cv::format("%s | frame %lld | p drop, top 20%% blurred %.3f, 20%% random %.3f | hot, min-max",
                          pipelineLabel(*why.model, std::string()).c_str(), (long long)index, r.faith.topDrop(), r.faith.randomDrop());
    }

    std::string frameJson(const FrameResult& f, int64_t index) const {
        std::ostringstream js;
        js << "{\"frame\": " << index << ", \"class\": "
           << classJson(f.cam.classIndex, why.names[size_t(f.cam.classIndex)], f.cam.probability, f.cam.logit)
           << ", \"top\": " << topJson(f.top) << (ablated.empty() ? "" : ", \"ablated_top\": " + topJson(f.ablatedTop))
           << ", \"map_shape\": [" << f.cam.map.rows << ", " << f.cam.map.cols << "], \"faithfulness\": {\"fraction\": "
           << jsonNumber(f.faith.fraction, 6) << ", \"seed\": " << f.faith.seed << ", \"blur_sigma\": " << jsonNumber(f.faith.sigma, 6)
           << ", \"probability\": " << jsonNumber(f.faith.probability, 9) << ", \"top_blurred_probability\": "
           << jsonNumber(f.faith.topProbability, 9) << ", \"random_blurred_probability\": " << jsonNumber(f.faith.randomProbability, 9)
           << ", \"top_blurred_logit\": " << jsonNumber(f.faith.topLogit, 9) << ", \"random_blurred_logit\": "
           << jsonNumber(f.faith.randomLogit, 9) << ", \"top_drop\": " << jsonNumber(f.faith.topDrop(), 9)
           << ", \"random_drop\": " << jsonNumber(f.faith.randomDrop(), 9)
           << "}, \"forward_ms\": " << jsonNumber(f.cam.forwardMs, 6) << ", \"backward_ms\": " << jsonNumber(f.cam.backwardMs, 6) << "}";
        return js.str();
    }

    std::string docJson(const std::vector<std::string>& frameDocs) const {
        std::ostringstream js;
        js << "{\n  \"model\": \"" << jsonEscape(pipelineLabel(*why.model, std::string())) << "\",\n  \"source\": \"" << jsonEscape(source)
           << "\",\n  \"method\": \"" << camMethodName(m) << "\",\n  \"layer\": \""
           << (m == CamMethod::Occlusion ? "" : jsonEscape(why.layer)) << "\",\n";
        if (m == CamMethod::Occlusion) js << "  \"patch\": " << patch << ",\n  \"stride\": " << stride << ",\n";
        js << "  \"ablated\": [";
        for (size_t i = 0; i < ablated.size(); ++i) js << (i ? ", " : "") << ablated[i];
        js << "],\n  \"frames\": [";
        for (size_t i = 0; i < frameDocs.size(); ++i) js << (i ? "," : "") << "\n    " << frameDocs[i];
        js << "\n  ]\n}\n";
        return js.str();
    }

    void report(const FrameResult& r, int64_t index) const {
        if (common.quiet) return;
        std::fprintf(stderr, "cam: frame %lld: %s at %dx%d, %s logit=%.4f (forward %.1f ms, backward %.1f ms)\n", (long long)index,
                     what().c_str(), r.cam.map.cols, r.cam.map.rows,
                     classText(r.cam.classIndex, why.names[size_t(r.cam.classIndex)], r.cam.probability).c_str(), r.cam.logit,
                     r.cam.forwardMs, r.cam.backwardMs);
        std::fprintf(stderr, "cam: faithfulness: blurring the map's top 20%% of pixels drops p by %.4f, 20%% random pixels by %.4f (seed %llu)\n",
                     r.faith.topDrop(), r.faith.randomDrop(), (unsigned long long)seed);
        if (!ablated.empty())
            for (size_t i = 0; i < r.top.size(); ++i)
                std::fprintf(stderr, "cam: top %zu: %-32s ablated: %s\n", i + 1,
                             classText(r.top[i].index, r.top[i].label, r.top[i].probability).c_str(),
                             classText(r.ablatedTop[i].index, r.ablatedTop[i].label, r.ablatedTop[i].probability).c_str());
    }

    Status checkChoices(bool video) {
        if (m == CamMethod::Occlusion && !layer.empty()) return Error{"--layer: occlusion hides input patches and reads no layer; drop --layer"};
        if (camIsForwardsOnly(m) && !ablate.empty())
            return Error{"--ablate works with gradcam, gradcam++, layercam and eigencam (" + std::string(camMethodName(m)) +
                         " runs the model's own net); drop --ablate or pick one of those"};
        if (m == CamMethod::Occlusion)
            if (auto p = occlusionProblem(why.model->preprocessing().size, patch, stride); !p.empty()) return Error{p};
        if (camIsForwardsOnly(m)) {  // a batch holds every layer's activations for each of its inputs
            const double one = why.model->forwardBytesEstimate(why.model->preprocessing().size);
            const int fits = int(std::max(1.0, std::floor(memoryBudgetBytes() / std::max(one, 1.0))));
            if (auto st = checkMemory("--batch " + std::to_string(batch) + " (forwards at once)", one * batch); !st)
                return Error{st.error() + ": --batch " + std::to_string(std::min(fits, batch - 1)) + " or less fits"};
        }
        if (!video && frames > 1) return Error{"--frames " + std::to_string(frames) + " needs a .gif or .mp4 --out (one map per frame)"};
        return {};
    }

    Status prepare(bool video) {
        auto parsed = parseCamMethod(method);
        if (!parsed) return Error{"--method: " + parsed.error()};
        m = *parsed;
        if (auto st = prepareWhy(common, labels, classIndex, m == CamMethod::Occlusion ? std::string() : layer, m != CamMethod::Occlusion, why);
            !st)
            return st;
        if (auto st = checkChoices(video); !st) return st;
        if (camIsForwardsOnly(m)) return {};  // the model's own net: any layer types OpenCV runs
        auto c = BackwardChain::buildToLogits(*why.model);
        if (!c) return Error{c.error() + "; scorecam and occlusion need no backward"};
        chain.emplace(std::move(*c));
        if (ablate.empty()) return {};
        auto list = parseAblateList(ablate, why.model->find(why.layer)->channels());
        if (!list) return Error{list.error()};
        ablated = *list;
        if (auto st = ablateChannels(*why.model, why.layer, ablated); !st) return st;
        auto a = BackwardChain::buildToLogits(*why.model);
        if (!a) return Error{a.error()};
        ablatedChain.emplace(std::move(*a));
        return {};
    }

    int runStill(bool npy, CaptionStyle style, std::vector<std::string>& docs) {
        cv::Mat image;
        if (auto st = readSourceFrame(source, frame, image); !st) return fail(st.error());
        FrameResult r;
        if (auto st = mapFrame(image, frame, r); !st) return fail(st.error());
        if (npy) {
            if (auto st = writeNpy(out, r.cam.map); !st) return fail(st.error());
        } else if (auto st = writeImageAtomic(out, camOverlay(image, r.cam.map, style, captionShort(r), captionFull(r, frame)), "--out"); !st) {
            return fail(st.error());
        }
        report(r, frame);
        docs.push_back(frameJson(r, frame));
        return 0;
    }

    int runVideo(CaptionStyle style, std::vector<std::string>& docs, int& status) {
        auto src = FrameSource::open(source);
        if (!src) return fail(src.error());
        FrameSource& s = **src;
        cv::Mat skip;
        if (frame > 0)
            if (auto st = s.readFrame(frame - 1, skip); !st) return fail(st.error());
        const double fps = s.fps() > 0 ? s.fps() : 10.0;
        Progress progress("cam", frames ? frames : std::max<int64_t>(0, s.claimedFrames() - s.framesRead()), common.quiet);
        StreamLoop loop{source, out, frames ? frames : (s.still() ? 1 : 0), fps, "; writing the frames mapped so far", what()};
        auto r = runStream(s, loop, progress, [&](cv::Mat& in, cv::Mat& annotated, int& delay) {
            delay = int(std::lround(1000.0 / fps));
            const int64_t index = s.framesRead() - 1;
            FrameResult f;
            if (auto st = mapFrame(in, index, f); !st) return st;
            annotated = camOverlay(in, f.cam.map, style, captionShort(f), captionFull(f, index));
            report(f, index);
            docs.push_back(frameJson(f, index));
            return Status{};
        });
        if (!r) return fail(r.error());
        progress.done(cv::format("%lld frame(s) -> %s%s", (long long)r->written, out.c_str(), r->stopped ? " (stopped by signal)" : ""));
        status = !r->shortSource.empty() ? reportShortSource(r->shortSource) : r->stopped ? 130 : 0;
        return 0;
    }

    int run() {
        const std::string o = lower(out);
        const bool npy = endsWith(o, ".npy"), png = endsWith(o, ".png");
        const bool video = !npy && !png && (endsWith(o, ".gif") || sinkKindFor(out) == SinkKind::Mp4);
        if (!npy && !png && !video) return fail("--out must name a .npy, .png, .gif or .mp4 file, got '" + out + "'");
        setExactOutputs(npy || !json.empty());  // exported numbers: --precision auto means f32
        auto style = parseCaptionStyle(caption);
        if (!style) return fail(style.error());
        if (auto st = prepare(video); !st) return fail(st.error());
        std::vector<OutputPath> outs{{"--out", out}};
        if (!json.empty()) outs.push_back({"--json", json});
        std::vector<InputPath> extra;
        if (!labels.empty()) extra.push_back({"--labels", labels});
        if (auto st = checkRunOutputs(common, source, outs, &*why.model, nullptr, extra); !st) return fail(st.error());
        std::vector<std::string> docs;
        int status = 0;
        if (const int rc = video ? runVideo(*style, docs, status) : runStill(npy, *style, docs); rc) return rc;
        if (!json.empty())
            if (auto st = writeTextAtomic(json, docJson(docs), "--json"); !st) return fail(st.error());
        if (!common.quiet) std::fprintf(stderr, "cam: %s -> %s%s\n", what().c_str(), out.c_str(), json.empty() ? "" : (", " + json).c_str());
        return status;
    }
};

}  // namespace

void registerCam(CLI::App& app, std::function<int()>& action) {
    static CamCmd cmd;
    auto* c = app.add_subcommand(
        "cam",
        "Class activation map of a frame (pytorch-grad-cam's definitions; the target is the class logit before the softmax): "
        "gradcam, gradcam++, layercam (gradient from the logits back through the head), eigencam (no gradient), scorecam "
        "(one forward per channel, in batches) or occlusion (one forward per patch position)");
    c->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--method", cmd.method, "gradcam, gradcam++, layercam, eigencam, scorecam or occlusion")->required();
    c->add_option("--layer", cmd.layer, "Layer with a (C,H,W) map before the head (default: the last convolution's output; not for occlusion)");
    c->add_option("--class", cmd.classIndex, "Class index (default: the frame's top-1)");
    c->add_option("--out", cmd.out,
                  "F.npy: the map at the layer's resolution (occlusion: one value per patch position), float32 (H, W), before "
                  "upsampling and normalisation; F.png: overlaid on the frame ('hot', min-max) with a colorbar and a caption; "
                  "F.gif or F.mp4: the same for each frame of a video")
        ->required();
    c->add_option("--json", cmd.json,
                  "Also write JSON: per frame the class, the top 5, the map's shape and the faithfulness figure (drop in the class's "
                  "probability with the map's top 20% of pixels blurred, and with 20% random pixels)");
    c->add_option("--labels", cmd.labels, "Class names, one per line (default: ImageNet's from opencv-doc)");
    c->add_option("--frame", cmd.frame, "Frame index of a video, from 0 (GIF/MP4: the first frame)")->default_val(0);
    c->add_option("--frames", cmd.frames, "GIF/MP4: frames to map (default: to the end of the file)")->default_val(0);
    c->add_option("--batch", cmd.batch, "scorecam, occlusion: inputs per forward (VGG19 at 224x224: about 0.4 GB of RSS each)")
        ->default_val(8);
    c->add_option("--patch", cmd.patch, "occlusion: side of the grey (mean-colour) square, in input pixels")->default_val(32);
    c->add_option("--stride", cmd.stride, "occlusion: step between patch positions, in input pixels")->default_val(16);
    c->add_option("--seed", cmd.seed, "Seed of the faithfulness figure's random pixels")->default_val(0);
    c->add_option("--repeat", cmd.repeat,
                  "Compute each frame's map N times and report the median forward and backward time (timing: bench/cam_cost.sh)")
        ->default_val(1);
    c->add_option("--ablate", cmd.ablate,
                  "Channels of --layer to zero first, e.g. 12,40 or 3-5: the network runs again with them off (top 5 before/after "
                  "on stderr and in the JSON; the map is the ablated network's, for the same class)");
    addCaptionOption(*c, cmd.caption, "short", "the PNG/GIF/MP4",
                     "short (class | probability | method | layer) or full (also model | frame | faithfulness | colours)");
    addModelOptions(*c, cmd.common);
    c->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
