// Headless `attribute`: which channels of a layer lead the network to a class on one frame
// (gradient x activation summed over positions), ranked; with --ablate the same after zeroing
// channels of that layer, and the top 5 classes before and after.
#include "cli/cli.hpp"
#include "core/model/precision.hpp"
#include "cli/why_common.hpp"

#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/unit/attribution.hpp"

#include <cstdio>
#include <sstream>

namespace cnnscope::cli {

namespace {

struct Attribution {
    CamResult head;
    std::vector<double> perChannel;
    std::vector<ChannelScore> ranked;
    std::vector<ClassScore> top;
};

struct AttributeCmd {
    CommonOptions common;
    std::string source, layer, labels, json, ablate;
    int classIndex = -1, top = 10;
    int64_t frame = 0;
    WhyModel why;

    Status attribute(BackwardChain& chain, const cv::Mat& blob, int cls, Attribution& a) const {
        if (auto st = channelAttribution(chain, blob, why.layer, cls, a.head, a.perChannel); !st) return st;
        a.ranked = rankChannels(a.perChannel);
        a.top = topClasses(a.head.logits, std::min(5, why.model->classCount()), why.names);
        return {};
    }

    void print(const Attribution& a, const char* title) const {
        std::printf("%s: %s at %s, %s logit=%.4f\n", title, "gradient x activation", why.layer.c_str(),
                    classText(a.head.classIndex, why.names[size_t(a.head.classIndex)], a.head.probability).c_str(), a.head.logit);
        for (int i = 0; i < std::min<int>(top, int(a.ranked.size())); ++i)
            std::printf("  %3d. channel %-5d %+.6g\n", i + 1, a.ranked[size_t(i)].channel, a.ranked[size_t(i)].attribution);
        for (const ClassScore& s : a.top) std::printf("  top: %s logit=%.4f\n", classText(s.index, s.label, s.probability).c_str(), s.logit);
    }

    std::string partJson(const Attribution& a) const {
        std::ostringstream js;
        js << "{\"class\": " << classJson(a.head.classIndex, why.names[size_t(a.head.classIndex)], a.head.probability, a.head.logit)
           << ", \"top\": " << topJson(a.top) << ", \"channels\": [";
        for (int i = 0; i < std::min<int>(top, int(a.ranked.size())); ++i)
            js << (i ? ", " : "") << "{\"channel\": " << a.ranked[size_t(i)].channel << ", \"attribution\": "
               << jsonNumber(a.ranked[size_t(i)].attribution, 9) << "}";
        js << "]}";
        return js.str();
    }

    int run() {
        setExactOutputs(true);  // a ranking of numbers: --precision auto means f32
        if (auto st = prepareWhy(common, labels, classIndex, layer, true, why); !st) return fail(st.error());
        Model& model = *why.model;
        const int C = model.find(why.layer)->channels();
        std::vector<int> channels;
        if (!ablate.empty()) {
            auto list = parseAblateList(ablate, C);
            if (!list) return fail(list.error());
            channels = *list;
        }
        std::vector<OutputPath> outs;
        if (!json.empty()) outs.push_back({"--json", json});
        std::vector<InputPath> extra;
        if (!labels.empty()) extra.push_back({"--labels", labels});
        if (auto st = checkRunOutputs(common, source, outs, &model, nullptr, extra); !st) return fail(st.error());
        auto chain = BackwardChain::buildToLogits(model);
        if (!chain) return fail(chain.error());
        cv::Mat image;
        if (auto st = readSourceFrame(source, frame, image); !st) return fail(st.error());
        const cv::Mat blob = model.preprocessFrame(image).clone();
        Attribution before, after;
        if (auto st = attribute(*chain, blob, classIndex, before); !st) return fail(st.error());
        print(before, "attribute");
        if (!channels.empty()) {
            if (auto st = ablateChannels(model, why.layer, channels); !st) return fail(st.error());
            auto ablated = BackwardChain::buildToLogits(model);
            if (!ablated) return fail(ablated.error());
            if (auto st = attribute(*ablated, blob, before.head.classIndex, after); !st) return fail(st.error());
            print(after, cv::format("ablated (%zu channel(s) zeroed)", channels.size()).c_str());
        }
        if (!json.empty()) {
            std::ostringstream js;
            js << "{\n  \"model\": \"" << jsonEscape(pipelineLabel(model, std::string())) << "\",\n  \"source\": \"" << jsonEscape(source)
               << "\",\n  \"frame\": " << frame << ",\n  \"layer\": \"" << jsonEscape(why.layer) << "\",\n  \"layer_channels\": " << C
               << ",\n  \"attribution\": \"gradient x activation, summed over positions\",\n  \"intact\": " << partJson(before);
            js << ",\n  \"ablated_channels\": [";
            for (size_t i = 0; i < channels.size(); ++i) js << (i ? ", " : "") << channels[i];
            js << "]" << (channels.empty() ? "" : ",\n  \"ablated\": " + partJson(after)) << "\n}\n";
            if (auto st = writeTextAtomic(json, js.str(), "--json"); !st) return fail(st.error());
        }
        if (!common.quiet)
            std::fprintf(stderr, "attribute: %s, %d channels at %s (forward %.1f ms, backward %.1f ms)%s\n",
                         pipelineLabel(model, std::string()).c_str(), C, why.layer.c_str(), before.head.forwardMs, before.head.backwardMs,
                         json.empty() ? "" : (" -> " + json).c_str());
        return 0;
    }
};

}  // namespace

void registerAttribute(CLI::App& app, std::function<int()>& action) {
    static AttributeCmd cmd;
    auto* c = app.add_subcommand("attribute",
                                 "Per-channel attribution of a class at a layer on one frame: gradient x activation summed over "
                                 "positions, ranked; --ablate zeroes channels and runs the network again");
    c->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--layer", cmd.layer, "Layer with a (C,H,W) map before the head (default: the last convolution's output)");
    c->add_option("--class", cmd.classIndex, "Class index (default: the frame's top-1)");
    c->add_option("--top", cmd.top, "How many channels to list, largest attribution first")->default_val(10);
    c->add_option("--json", cmd.json,
                  "Also write JSON: {\"intact\": {\"class\", \"top\", \"channels\": [{\"channel\", \"attribution\"}, ...]}, "
                  "\"ablated\": {the same}}");
    c->add_option("--ablate", cmd.ablate,
                  "Channels of --layer to zero, e.g. 12,40 or 3-5: the top 5 classes and the attribution again, for the same class");
    c->add_option("--labels", cmd.labels, "Class names, one per line (default: ImageNet's from opencv-doc)");
    c->add_option("--frame", cmd.frame, kFrameHelp)->default_val(0);
    addModelOptions(*c, cmd.common);
    c->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
