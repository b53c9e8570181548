// Headless `classify`: the top K classes of each frame of a source through the model's
// classifier head (label, index, softmax probability, logit), printed and as JSON.
#include "cli/cli.hpp"
#include "core/model/precision.hpp"
#include "cli/stream_loop.hpp"

#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/model/classifier.hpp"
#include "core/model/model_check.hpp"
#include "core/pipeline/source.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

namespace cnnscope::cli {

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

struct ClassifyCmd {
    CommonOptions common;
    std::string source, json, labels;
    int top = 5;
    int64_t frames = 0;

    int run() {
        setExactOutputs(true);  // probabilities and logits are numbers: --precision auto means f32
        auto model = loadModel(common, nullptr, /*withHead=*/true);
        if (!model) return fail(model.error());
        if (!model->hasHead()) return fail(model->headProblem());
        if (auto p = model->headSizeProblem(); !p.empty()) return fail(p);
        auto names = loadClassLabels(labels, model->classCount());
        if (!names) return fail(names.error());
        if (top > model->classCount())
            return fail("--top " + std::to_string(top) + " is more than the model's " + std::to_string(model->classCount()) +
                        " classes; choose 1.." + std::to_string(model->classCount()));
        std::vector<OutputPath> outs;
        if (!json.empty()) outs.push_back({"--json", json});
        std::vector<InputPath> extra;
        if (!labels.empty()) extra.push_back({"--labels", labels});
        if (auto st = checkRunOutputs(common, source, outs, &*model, nullptr, extra); !st) return fail(st.error());
        auto src = FrameSource::open(source);
        if (!src) return fail(src.error());

        const std::string label = pipelineLabel(*model, std::string());
        std::ostringstream js;
        js << "{\n  \"model\": \"" << jsonEscape(label) << "\",\n  \"weights\": \"" << jsonEscape(model->source())
           << "\",\n  \"source\": \"" << jsonEscape(source) << "\",\n  \"input_size\": [" << model->preprocessing().size.width << ", "
           << model->preprocessing().size.height << "],\n  \"classes\": " << model->classCount() << ",\n  \"logits_layer\": \""
           << jsonEscape(model->logitsLayer()) << "\",\n  \"top_k\": " << top << ",\n  \"frames\": [";
        cv::Mat frame, logits;
        int64_t done = 0;
        double ms = 0;
        FrameLoop loop;
        loop.source = source;
        loop.keptWhat = "writing the frames classified so far";
        while (frames == 0 || done < frames) {
            const NextFrame next = nextFrame(**src, done, frame, loop);
            if (next == NextFrame::Failed) return fail(loop.error);
            if (next == NextFrame::Done) break;
            const auto t0 = std::chrono::steady_clock::now();
            if (auto st = model->logits(frame, logits); !st) return fail(st.error());
            ms += msSince(t0);
            const auto best = topClasses(logits, top, *names);
            std::printf("frame %lld:\n", (long long)done);
            js << (done ? "," : "") << "\n    {\"frame\": " << done << ", \"top\": [";
            for (size_t i = 0; i < best.size(); ++i) {
                const ClassScore& s = best[i];
                std::printf("  %2zu. %-5d p=%.6f  logit=%.4f  %s\n", i + 1, s.index, s.probability, s.logit, shownName(s.label).c_str());
                js << (i ? ", " : "") << "{\"label\": \"" << jsonEscape(s.label) << "\", \"index\": " << s.index
                   << ", \"probability\": " << jsonNumber(s.probability, 9) << ", \"logit\": " << jsonNumber(s.logit, 9) << "}";
            }
            js << "]}";
            std::fflush(stdout);
            ++done;  // the per-frame lines on stdout are the progress
        }
        js << "\n  ]\n}\n";
        if (!json.empty())
            if (auto st = writeTextAtomic(json, js.str(), "--json"); !st) return fail(st.error());
        if (!common.quiet)
            std::fprintf(stderr, "classify: %s, %lld frame(s), %.1f ms per frame (forward and head)%s%s\n", label.c_str(),
                         (long long)done, ms / double(std::max<int64_t>(1, done)), json.empty() ? "" : (" -> " + json).c_str(),
                         loop.stopped ? " (stopped by signal)" : "");
        if (!loop.shortSource.empty()) return reportShortSource(loop.shortSource);
        return loop.stopped ? 130 : 0;
    }
};

}  // namespace

void registerClassify(CLI::App& app, std::function<int()>& action) {
    static ClassifyCmd cmd;
    auto* c = app.add_subcommand(
        "classify",
        "The top K classes of each frame through the model's classifier head: label, index, softmax probability, logit. Needs a "
        "model with a head (the with-top VGG19: cnnscope fetch vgg19_keras_top; ONNX, Caffe and TensorFlow classifiers)");
    c->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--top", cmd.top, "How many classes per frame, largest logit first")->default_val(5);
    c->add_option("--json", cmd.json,
                  "Also write JSON: {\"frames\": [{\"frame\": N, \"top\": [{\"label\", \"index\", \"probability\", \"logit\"}, ...]}, ...]}");
    c->add_option("--labels", cmd.labels,
                  "Class names, one per line in the model's index order (default: ImageNet's 1000 from opencv-doc's "
                  "classification_classes_ILSVRC2012.txt)");
    c->add_option("--frames", cmd.frames, "Frames to classify (default: the whole file; live sources until Ctrl-C)")->default_val(0);
    addModelOptions(*c, cmd.common);
    c->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
