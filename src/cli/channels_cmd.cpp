// Headless `channels`: per-channel statistics of one layer over the frames of a source (the
// window's Channels section, for files and scripts): each channel's mean, its variation over
// time, min, max and active fraction, the constant (dead) channels flagged, sorted or filtered
// by any of them; printed, and as CSV or JSON (with every channel's per-frame means).
#include "cli/cli.hpp"
#include "cli/stream_loop.hpp"

#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/pipeline/source.hpp"
#include "core/render/channel_stats.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

namespace cnnscope::cli {

namespace {

// The JSON's per-frame series keeps at most this many frames (the summaries are over all).
constexpr int kSeriesFrames = 10000;

struct ChannelsCmd {
    CommonOptions common;
    std::string source, layer, out, sort = "mean";
    int64_t frames = 0;
    int top = 0;
    bool hideConstant = false;

    int run() {
        setExactOutputs(true);  // exported numbers: --precision auto means f32
        ChannelSort key{};
        if (!parseChannelSort(sort, key)) {
            return fail("--sort " + sort + ": use " + channelSortList());
        }
        const std::string ext = lower(out.substr(out.find_last_of('.') == std::string::npos ? out.size() : out.find_last_of('.')));
        if (!out.empty() && ext != ".csv" && ext != ".json")
            return fail("--out must name a .csv or .json file, got '" + out + "'");
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (auto l = model->requireSpatialLayer(layer); !l) return fail(l.error());
        if (const LayerInfo* info = model->find(layer); info && !info->shape.empty() && top > info->shape[0])
            return fail("--top " + std::to_string(top) + " is more than " + layer + "'s " + std::to_string(info->shape[0]) + " channels");
        std::vector<OutputPath> outs;
        if (!out.empty()) outs.push_back({"--out", out});
        if (auto st = checkRunOutputs(common, source, outs, &*model); !st) return fail(st.error());
        auto src = FrameSource::open(source);
        if (!src) return fail(src.error());

        ChannelHistory history(kSeriesFrames);
        std::vector<ChannelFrameStats> stats;
        const int64_t claimed = (*src)->claimedFrames();
        Progress progress("channels", frames > 0 ? (claimed > 0 ? std::min(frames, claimed) : frames) : claimed, common.quiet);
        cv::Mat frame, act;
        int64_t done = 0;
        double ms = 0;
        FrameLoop loop;
        loop.source = source;
        loop.keptWhat = "writing the statistics of the frames read so far";
        while (frames == 0 || done < frames) {
            const NextFrame next = nextFrame(**src, done, frame, loop);
            if (next == NextFrame::Failed) return fail(loop.error);
            if (next == NextFrame::Done) break;
            const auto t0 = std::chrono::steady_clock::now();
            if (auto st = model->forward(frame, layer, act); !st) return fail(st.error());
            ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            channelFrameStats(act, stats);
            if (done == 0) history.reset(layer, int(stats.size()));
            history.add(uint64_t(done), done, stats);
            ++done;
            progress.step(done, layer);
        }
        progress.clear();
        if (done == 0) {  // stopped by a signal before the first frame
            std::fprintf(stderr, "cnnscope: stopped before the first frame of '%s'; nothing was written\n", source.c_str());
            return 130;
        }
        const int C = history.channels();
        const std::vector<int> order = history.order(key, hideConstant);
        const std::vector<int> constant = history.constantChannels();
        const size_t shown = top > 0 ? std::min(order.size(), size_t(top)) : order.size();

        const std::string label = pipelineLabel(*model, std::string());
        std::printf("%s %s, %d channels over %lld frame(s), sorted by %s%s:\n", label.c_str(), layer.c_str(), C, (long long)done,
                    sort.c_str(), hideConstant ? ", constant channels hidden" : "");
        std::printf("%7s %12s %12s %12s %12s %8s  %s\n", "channel", "mean", "variation", "min", "max", "active", "flag");
        for (size_t i = 0; i < shown; ++i) {
            const ChannelSummary s = history.summary(order[i]);
            std::printf("%7d %12.5g %12.5g %12.5g %12.5g %7.1f%%  %s\n", s.channel, s.mean, s.variation, double(s.min), double(s.max),
                        100 * s.active, s.constant ? (s.min == 0 ? "dead (constant 0)" : cv::format("constant %g", double(s.min)).c_str()) : "");
        }
        std::printf("constant channels: %zu of %d%s\n", constant.size(), C, constant.empty() ? "" : ":");
        if (!constant.empty()) {
            std::string list;
            for (int c : constant) list += (list.empty() ? "" : " ") + std::to_string(c);
            std::printf("  %s\n", list.c_str());
        }

        if (!out.empty()) {
            std::ostringstream o;
            if (ext == ".csv") {
                o << "channel,mean,variation,min,max,active,constant\n";
                for (size_t i = 0; i < shown; ++i) {
                    const ChannelSummary s = history.summary(order[i]);
                    o << s.channel << ',' << jsonNumber(s.mean, 9) << ',' << jsonNumber(s.variation, 9) << ',' << jsonNumber(s.min, 9)
                      << ',' << jsonNumber(s.max, 9) << ',' << jsonNumber(s.active, 9) << ',' << (s.constant ? 1 : 0) << '\n';
                }
            } else {
                const std::vector<int64_t> seriesFrames = history.seriesFrames();
                o << "{\n  \"model\": \"" << jsonEscape(label) << "\",\n  \"source\": \"" << jsonEscape(source) << "\",\n  \"layer\": \""
                  << jsonEscape(layer) << "\",\n  \"channels\": " << C << ",\n  \"frames\": " << done << ",\n  \"sort\": \"" << sort
                  << "\",\n  \"hide_constant\": " << (hideConstant ? "true" : "false") << ",\n  \"constant\": [";
                for (size_t i = 0; i < constant.size(); ++i) o << (i ? ", " : "") << constant[i];
                o << "],\n  \"series_frames\": [";
                for (size_t i = 0; i < seriesFrames.size(); ++i) o << (i ? ", " : "") << seriesFrames[i];
                o << "],\n  \"rows\": [";
                for (size_t i = 0; i < shown; ++i) {
                    const ChannelSummary s = history.summary(order[i]);
                    o << (i ? "," : "") << "\n    {\"channel\": " << s.channel << ", \"mean\": " << jsonNumber(s.mean, 9)
                      << ", \"variation\": " << jsonNumber(s.variation, 9) << ", \"min\": " << jsonNumber(s.min, 9)
                      << ", \"max\": " << jsonNumber(s.max, 9) << ", \"active\": " << jsonNumber(s.active, 9)
                      << ", \"constant\": " << (s.constant ? "true" : "false") << ", \"series\": [";
                    const std::vector<float> series = history.series(s.channel);
                    for (size_t k = 0; k < series.size(); ++k) o << (k ? ", " : "") << jsonNumber(series[k], 9);
                    o << "]}";
                }
                o << "\n  ]\n}\n";
            }
            if (auto st = writeTextAtomic(out, o.str(), "--out"); !st) return fail(st.error());
        }
        if (!common.quiet)
            std::fprintf(stderr, "channels: %s %s, %lld frame(s), %.1f ms per forward%s%s\n", label.c_str(), layer.c_str(), (long long)done,
                         ms / double(std::max<int64_t>(1, done)), out.empty() ? "" : (" -> " + out).c_str(),
                         loop.stopped ? " (stopped by signal)" : "");
        if (!loop.shortSource.empty()) return reportShortSource(loop.shortSource);
        return loop.stopped ? 130 : 0;
    }
};

}  // namespace

void registerChannels(CLI::App& app, std::function<int()>& action) {
    static ChannelsCmd cmd;
    const std::string sorts = channelSortList();
    auto* c = app.add_subcommand(
        "channels",
        "Per-channel statistics of a layer over the frames of a source: each channel's mean, its variation over time (the "
        "standard deviation of its per-frame means), min, max and active fraction (> 0), constant (dead) channels flagged; "
        "sorted and filtered, printed, and as CSV or JSON (the window's Channels section)");
    c->add_option("SOURCE", cmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    c->add_option("--layer", cmd.layer, "Layer name (see `cnnscope layers`)")->required();
    c->add_option("--frames", cmd.frames, "Frames to read (default: the whole file; live sources until Ctrl-C; an image is one frame)")
        ->default_val(0);
    c->add_option("--sort", cmd.sort, "Order of the rows, largest first: " + sorts + " (index: channel order)")->default_val("mean");
    c->add_flag("--hide-constant", cmd.hideConstant, "Leave out the channels that were constant over every frame (dead units)");
    c->add_option("--top", cmd.top, "Only the first N rows of that order (default: all)")->default_val(0);
    c->add_option("--out", cmd.out,
                  "Also write F.csv (channel,mean,variation,min,max,active,constant: the rows) or F.json (the rows with each "
                  "channel's per-frame means (the last 10000 frames), the constant channels)");
    addModelOptions(*c, cmd.common);
    c->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
