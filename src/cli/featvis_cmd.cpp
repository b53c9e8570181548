// Headless `featvis`: the input that maximises a unit's mean activation (Lucid-style
// optimisation, core/unit/featvis), for one channel (a bare PNG) or many (a folder: one PNG per
// channel, a labelled sheet, index.json); `--shard I/N` runs channel c mod N == I only and writes
// shard.json instead, and `featvis merge` joins the shard folders into the folder a whole run writes.
#include "cli/cli.hpp"
#include "core/model/conv_mode.hpp"
#include "core/model/precision.hpp"

#include "core/base/interrupt.hpp"
#include "core/base/json_read.hpp"
#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/output_set.hpp"
#include "core/pipeline/source.hpp"
#include "core/unit/featvis.hpp"
#include "core/unit/featvis_index.hpp"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

namespace cnnscope::cli {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string clock(double s) {
    const long t = long(s + 0.5);
    return t >= 3600 ? cv::format("%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60) : cv::format("%ld:%02ld", t / 60, t % 60);
}

// The folder a whole run (or a merge) writes: one PNG per unit, sheet.png, index.json.
Status addWholeRun(OutputFolder& folder, const FeatvisRun& run, const std::vector<cv::Mat>& images) {
    for (size_t i = 0; i < run.units.size(); ++i)
        if (auto st = folder.addImage(run.units[i].file, images[i]); !st) return st;
    if (auto st = folder.addImage("sheet.png", renderFeatvisSheet(run, images)); !st) return st;
    return folder.addText("index.json", featvisJson(run));
}

struct FeatvisCmd {
    CommonOptions common;
    std::string layer, channelsSpec, out, size = "128x128", shard, against;
    int channel = -1;
    int iterations = 512;
    int againstFrames = 20;
    int diversity = 1;
    uint64_t seed = 0;
    double lr = 0.05, tv = 0.05, decay = 1.0, diversityWeight = FeatvisOptions{}.diversityWeight;
    bool noTransforms = false;
    std::vector<double> best;        // per channel: the best mean activation over --against's frames
    std::vector<int64_t> bestFrame;  // and its frame

    // The unit's K images as they are now: each written, measured (its mean activation and, with
    // --diversity, the mean Gram cosine between them) and listed in `run`.
    Status addUnit(FeatureVis& fv, int c, FeatvisRun& run, std::vector<cv::Mat>& images, OutputBatch* batch, OutputFolder* folder) {
        std::vector<cv::Mat> mineNow(static_cast<size_t>(diversity));
        for (int i = 0; i < diversity; ++i) fv.image(mineNow[size_t(i)], i);
        double similarity = 0;
        if (diversity > 1)
            if (auto st = fv.gramSimilarity(mineNow, similarity); !st) return st;
        for (int i = 0; i < diversity; ++i) {
            std::vector<double> means;
            if (auto st = fv.meanActivations(mineNow[size_t(i)], means); !st) return st;
            FeatvisUnit u;
            u.channel = c;
            u.index = i;
            u.similarity = similarity;
            u.file = featvisFileName(c, i, diversity);
            u.activation = means[size_t(c)];
            if (!against.empty()) u.hasAgainst = true, u.againstBest = best[size_t(c)], u.againstFrame = bestFrame[size_t(c)];
            run.units.push_back(u);
            if (auto st = batch ? batch->addImage(out, mineNow[size_t(i)], "--out") : folder->addImage(u.file, mineNow[size_t(i)]); !st)
                return st;
            images.push_back(mineNow[size_t(i)]);
        }
        return {};
    }

    int run() {
        if (layer.empty()) return fail("featvis needs --layer L (see `cnnscope layers`), or `featvis merge DIR... --out DIR`");
        if ((channel >= 0) == !channelsSpec.empty())
            return fail("give exactly one of --channel K and --channels A-B|all");
        if (out.empty()) return fail("featvis needs --out F.png (one channel) or --out DIR/ (a folder)");
        auto wh = parseSize(size, 8, 1024);
        if (!wh) return fail("--size: " + wh.error());
        int shardIndex = -1, shardCount = 0;
        if (!shard.empty()) {
            auto s = parseShard(shard);
            if (!s) return fail(s.error());
            shardIndex = s->first, shardCount = s->second;
        }
        const bool single = endsWith(lower(out), ".png");
        if (single && shardCount > 0) return fail("--shard writes a folder of the shard's files: give --out DIR/, not a .png");
        if (single && diversity > 1)
            return fail(cv::format("--diversity %d writes %d images per unit: give --out DIR/, not a .png", diversity, diversity));
        if (!single && endsWith(lower(out), ".json")) return fail("--out must be a .png file or a folder, got '" + out + "'");
        std::error_code ec;
        if (!single && fs::exists(out, ec) && !fs::is_directory(out, ec))
            return fail("--out '" + out + "' is a file; give a folder (or F.png for one channel)");

        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (auto l = model->requireSpatialLayer(layer); !l) return fail(l.error());
        FeatvisOptions o;
        o.size = *wh;
        o.iterations = iterations;
        o.seed = seed;
        o.learningRate = lr;
        o.tv = tv;
        o.decay = decay;
        o.transforms = !noTransforms;
        o.diversity = diversity;
        o.diversityWeight = diversityWeight;
        auto fv = FeatureVis::create(*model, layer, o);
        if (!fv) return fail(fv.error());
        const std::string spec = channel >= 0 ? std::to_string(channel) : channelsSpec;
        auto all = parseChannelList(spec, fv->channels());
        if (!all) return fail((channel >= 0 ? "--channel: " : "--channels: ") + all.error() + " of " + layer);
        if (single && all->size() != 1)
            return fail("--out '" + out + "' is one .png but " + std::to_string(all->size()) + " channels were asked for; give a folder");
        std::vector<int> mine;
        for (int c : *all)
            if (inShard(c, shardIndex, shardCount)) mine.push_back(c);

        std::vector<OutputPath> outs;
        if (single) {
            outs.push_back({"--out", out});
        } else if (fs::is_directory(out, ec)) {
            for (int c : mine)
                for (int i = 0; i < diversity; ++i) outs.push_back({"--out", (fs::path(out) / featvisFileName(c, i, diversity)).string()});
            for (const char* name : {"sheet.png", "index.json", "shard.json"}) outs.push_back({"--out", (fs::path(out) / name).string()});
        }
        if (auto st = checkRunOutputs(common, against, outs, &*model); !st) return fail(st.error());

        FeatvisRun run;
        FeatvisSettings& s = run.settings;
        s.model = model->label();
        s.weights = model->source();
        s.layer = layer;
        s.layerChannels = fv->channels();
        s.channels = spec;
        s.width = o.size.width, s.height = o.size.height;
        s.iterations = iterations;
        s.seed = seed;
        s.learningRate = lr, s.tv = tv, s.decay = decay;
        s.against = against;
        s.againstFrames = against.empty() ? 0 : againstFrames;
        s.diversity = diversity;
        s.diversityWeight = diversity > 1 ? diversityWeight : 0.0;
        s.engine = std::string(precisionName(currentPrecision().actual)) + " " + convModeName(convMode()) +
                   (noTransforms ? " no-transforms" : " transforms");
        run.shard = shardIndex, run.shards = shardCount;

        // --against: the best mean activation of each unit over the source's first frames.
        best.assign(size_t(fv->channels()), -1e300);
        bestFrame.assign(size_t(fv->channels()), -1);
        int64_t againstRead = 0;
        if (!against.empty()) {
            auto src = FrameSource::open(against);
            if (!src) return fail("--against: " + src.error());
            cv::Mat frame;
            std::vector<double> means;
            while (againstRead < againstFrames) {
                if (interrupted()) return fail("interrupted; nothing was written");
                const ReadStatus rs = (*src)->read(frame);
                if (rs == ReadStatus::End) break;
                if (rs == ReadStatus::Error) return fail("--against '" + against + "': " + (*src)->lastError());
                if (auto st = fv->meanActivations(frame, means); !st) return fail(st.error());
                for (int c : mine)
                    if (means[size_t(c)] > best[size_t(c)]) best[size_t(c)] = means[size_t(c)], bestFrame[size_t(c)] = againstRead;
                ++againstRead;
                if ((*src)->still()) break;
            }
            if (againstRead == 0) return fail("--against '" + against + "' gave no frame");
        }

        std::optional<OutputFolder> folder;
        OutputBatch batch;
        if (!single) {
            auto f = OutputFolder::open(out);
            if (!f) return fail(f.error());
            folder.emplace(std::move(*f));
        }
        if (!common.quiet)
            std::fprintf(stderr, "featvis: %s, %s: %zu unit(s)%s at %dx%d, %d steps each, seed %llu%s\n",
                         pipelineLabel(*model, std::string()).c_str(), layer.c_str(), mine.size(),
                         shardCount ? cv::format(" (shard %d/%d of %zu)", shardIndex, shardCount, all->size()).c_str() : "",
                         o.size.width, o.size.height, iterations, (unsigned long long)seed,
                         against.empty() ? "" : cv::format(", against %lld frame(s) of %s", (long long)againstRead, against.c_str()).c_str());
        Progress progress("featvis", int64_t(mine.size()), common.quiet);
        std::vector<cv::Mat> images;
        const auto t0 = Clock::now();
        for (size_t i = 0; i < mine.size(); ++i) {
            const int c = mine[i];
            const auto tc = Clock::now();
            if (auto st = fv->start(c); !st) return fail(st.error());
            for (int it = 0; it < iterations; ++it) {
                if (interrupted()) return fail("interrupted; nothing was written");
                if (auto st = fv->step(); !st) return fail(cv::format("%s channel %d, step %d: ", layer.c_str(), c, it) + st.error());
            }
            if (auto st = addUnit(*fv, c, run, images, single ? &batch : nullptr, folder ? &*folder : nullptr); !st) return fail(st.error());
            const FeatvisUnit& u = run.units.back();
            const double el = secondsSince(t0), left = el / double(i + 1) * double(mine.size() - i - 1);
            const std::string detail = cv::format("channel %d: activation %.4g%s%s, %.1f s, %s left", c, u.activation,
                                                  diversity > 1 ? cv::format(" (image %d; Gram similarity %.3f)", u.index, u.similarity).c_str() : "",
                                                  u.hasAgainst ? cv::format(" (real best over --against %.4g)", u.againstBest).c_str() : "",
                                                  secondsSince(tc), clock(left).c_str());
            if (progress.tty())
                progress.step(int64_t(i + 1), detail);
            else if (!common.quiet)
                std::fprintf(stderr, "featvis: %zu/%zu %s\n", i + 1, mine.size(), detail.c_str());
        }
        if (single) {
            if (auto st = batch.commit(); !st) return fail(st.error());
        } else {
            if (shardCount > 0) {
                if (auto st = folder->addText("shard.json", featvisJson(run)); !st) return fail(st.error());
            } else if (auto st = addWholeRun(*folder, run, images); !st) {
                return fail(st.error());
            }
            if (auto st = folder->commit(); !st) return fail(st.error());
        }
        progress.done(cv::format("%zu unit(s) -> %s in %s (%.2f s per unit, %.1f ms per step)", mine.size(), out.c_str(),
                                 clock(secondsSince(t0)).c_str(), secondsSince(t0) / double(std::max<size_t>(1, mine.size())),
                                 1e3 * secondsSince(t0) / double(std::max<size_t>(1, mine.size())) / std::max(1, iterations)));
        return 0;
    }
};

struct MergeCmd {
    std::vector<std::string> dirs;
    std::string out;
    bool quiet = false;

    int run() {
        if (dirs.empty()) return fail("featvis merge needs the shard folders: featvis merge DIR... --out DIR");
        std::error_code ec;
        std::vector<FeatvisRun> shards;
        for (const auto& d : dirs) {
            const std::string file = (fs::path(d) / "shard.json").string();
            if (!fs::is_directory(d, ec)) return fail("featvis merge: '" + d + "' is not a folder; give the folders `featvis --shard I/N --out DIR/` wrote");
            if (!fs::exists(file, ec))
                return fail("featvis merge: '" + d + "' has no shard.json: not a folder written by `featvis --shard I/N`");
            auto text = readSmallFile(file, "a featvis shard file");
            if (!text) return fail("featvis merge: " + text.error());
            auto r = parseFeatvisJson(*text, file);
            if (!r) return fail("featvis merge: " + r.error());
            if (r->shard < 0) return fail("featvis merge: " + file + " is not a shard's file (no \"shard\")");
            shards.push_back(std::move(*r));
        }
        const FeatvisRun& first = shards[0];
        std::map<int, size_t> seen;
        for (size_t i = 0; i < shards.size(); ++i) {
            const FeatvisRun& r = shards[i];
            const std::string diff = featvisSettingsDiffer(first.settings, r.settings);
            if (!diff.empty())
                return fail("featvis merge: '" + dirs[i] + "' and '" + dirs[0] + "' come from different runs: they differ in " + diff +
                            "; merge only the shards of one run");
            if (r.shards != first.shards)
                return fail(cv::format("featvis merge: '%s' is shard %d/%d but '%s' is %d/%d: merge only the shards of one run",
                                       dirs[i].c_str(), r.shard, r.shards, dirs[0].c_str(), first.shard, first.shards));
            if (r.shard < 0 || r.shard >= r.shards) return fail(cv::format("featvis merge: '%s' has a bad shard index", dirs[i].c_str()));
            if (auto it = seen.find(r.shard); it != seen.end())
                return fail(cv::format("featvis merge: shard %d/%d is given twice ('%s' and '%s'); give each shard once", r.shard,
                                       r.shards, dirs[it->second].c_str(), dirs[i].c_str()));
            seen[r.shard] = i;
        }
        for (int k = 0; k < first.shards; ++k)
            if (!seen.count(k))
                return fail(cv::format("featvis merge: shard %d/%d is missing; give all %d shard folders", k, first.shards, first.shards));
        for (const auto& d : dirs)
            if (fs::exists(out, ec) && fs::equivalent(d, out, ec))
                return fail("featvis merge: --out '" + out + "' is one of the shard folders; give a new folder");
        if (fs::exists(out, ec) && !fs::is_directory(out, ec)) return fail("--out '" + out + "' is a file; give a folder");

        auto channels = parseChannelList(first.settings.channels, first.settings.layerChannels);
        if (!channels) return fail("featvis merge: " + channels.error());
        FeatvisRun whole;
        whole.settings = first.settings;
        std::vector<cv::Mat> images;
        const int K = first.settings.diversity;
        for (int c : *channels) {
            const size_t k = seen[c % first.shards];
            const FeatvisRun& r = shards[k];
            for (int i = 0; i < K; ++i) {
                const FeatvisUnit* unit = nullptr;
                for (const auto& u : r.units)
                    if (u.channel == c && u.index == i) unit = &u;
                if (!unit)
                    return fail(cv::format("featvis merge: '%s' (shard %d/%d) lacks channel %d%s; rerun that shard", dirs[k].c_str(),
                                           r.shard, r.shards, c, K > 1 ? cv::format(" image %d", i).c_str() : ""));
                const std::string png = (fs::path(dirs[k]) / featvisFileName(c, i, K)).string();
                cv::Mat image = cv::imread(png, cv::IMREAD_COLOR);
                if (image.empty()) return fail("featvis merge: cannot read '" + png + "' (missing or damaged); rerun that shard");
                if (image.cols != r.settings.width || image.rows != r.settings.height)
                    return fail(cv::format("featvis merge: '%s' is %dx%d, not the run's %dx%d; rerun that shard", png.c_str(), image.cols,
                                           image.rows, r.settings.width, r.settings.height));
                FeatvisUnit u = *unit;
                u.file = featvisFileName(c, i, K);
                whole.units.push_back(u);
                images.push_back(image);
            }
        }
        for (const auto& r : shards)
            if (r.units.size() !=
                size_t(K) * size_t(std::count_if(channels->begin(), channels->end(), [&](int c) { return inShard(c, r.shard, r.shards); })))
                return fail(cv::format("featvis merge: shard %d/%d lists channels that are not its own; rerun that shard", r.shard, r.shards));
        std::vector<OutputPath> outs;
        if (fs::is_directory(out, ec)) {
            for (int c : *channels)
                for (int i = 0; i < K; ++i) outs.push_back({"--out", (fs::path(out) / featvisFileName(c, i, K)).string()});
            for (const char* name : {"sheet.png", "index.json"}) outs.push_back({"--out", (fs::path(out) / name).string()});
        }
        std::vector<InputPath> ins;
        for (const auto& d : dirs) ins.push_back({"DIR", (fs::path(d) / "shard.json").string()});
        if (auto st = checkOutputs(ins, outs); !st) return fail(st.error());
        auto folder = OutputFolder::open(out);
        if (!folder) return fail(folder.error());
        if (auto st = addWholeRun(*folder, whole, images); !st) return fail(st.error());
        if (auto st = folder->commit(); !st) return fail(st.error());
        if (!quiet)
            std::fprintf(stderr, "featvis merge: %zu shard(s), %zu unit(s) of %s -> %s\n", shards.size(), whole.units.size(),
                         whole.settings.layer.c_str(), out.c_str());
        return 0;
    }
};

}  // namespace

void registerFeatvis(CLI::App& app, std::function<int()>& action) {
    static FeatvisCmd cmd;
    static MergeCmd merge;
    auto* c = app.add_subcommand(
        "featvis",
        "Synthesise the input that maximises a unit's mean activation (Lucid-style: decorrelated Fourier image, random "
        "jitter/scale/rotation each step, total-variation prior, Adam; gradients from the backward engine, so conv, ReLU and "
        "max-pool layers). One channel to F.png writes the bare image; a folder gets channel_KKKK.png per channel, sheet.png "
        "and index.json. `featvis merge` joins --shard folders");
    c->add_option("--layer", cmd.layer, "Layer name (see `cnnscope layers`)");
    c->add_option("--channel", cmd.channel, "One channel of the layer")->check(CLI::NonNegativeNumber);
    c->add_option("--channels", cmd.channelsSpec, "Channels A-B (inclusive) or all");
    c->add_option("--out", cmd.out,
                  "F.png (one channel: the image at --size) or a folder DIR/ (channel_KKKK.png each, sheet.png, index.json; "
                  "with --shard: the shard's PNGs and shard.json)");
    c->add_option("--size", cmd.size, "Working size WxH (or N for NxN) of the synthesised image")->default_val("128x128");
    c->add_option("--iterations", cmd.iterations, "Optimisation steps per unit")->default_val(512);
    c->add_option("--seed", cmd.seed, "Seed: channel K starts from an RNG seeded with seed + K, whatever the sharding")->default_val(0);
    c->add_option("--shard", cmd.shard,
                  "I/N: run only the channels c with c mod N == I and write them with shard.json (the settings) to the --out "
                  "folder; `featvis merge` joins the N folders");
    c->add_option("--against", cmd.against,
                  "Also measure each unit's best mean activation over this source's first frames (image, video, ...) at --size, "
                  "for index.json and the sheet");
    c->add_option("--against-frames", cmd.againstFrames, "Frames of --against to read")->default_val(20);
    c->add_option("--lr", cmd.lr, "Adam learning rate on the spectrum")->default_val(0.05);
    c->add_option("--tv", cmd.tv, "Weight of the total-variation prior (squared neighbour differences of the [0,1] image, per pixel)")
        ->default_val(0.05);
    c->add_option("--decay", cmd.decay, "Spectrum scale 1/f^decay of the Fourier parametrisation")->default_val(1.0);
    c->add_option("--diversity", cmd.diversity,
                  "K images per unit, optimised together with Lucid's diversity term: the objective minus W/K times the sum "
                  "over pairs of images of the cosine similarity of their Gram matrices at --layer (channel co-activations); "
                  "a folder gets channel_KKKK_I.png (I = 0..K-1), index.json lists each image with its Gram similarity")
        ->default_val(1);
    c->add_option("--diversity-weight", cmd.diversityWeight,
                  "W, the weight of the diversity term against the unit's mean activation (Lucid's examples use 100 on a trained "
                  "net; scale it with the unit's activation)")
        ->default_val(FeatvisOptions{}.diversityWeight);
    c->add_flag("--no-transforms", cmd.noTransforms, "No random jitter, scale and rotation (transformation robustness off)");
    addModelOptions(*c, cmd.common);

    auto* m = c->add_subcommand("merge", "Join the folders of `featvis --shard I/N` runs into the folder one whole run writes; "
                                         "refuses shards of different settings, and missing or duplicate shards");
    m->add_option("DIR", merge.dirs, "The shard folders (all N of them)")->required();
    m->add_option("--out", merge.out, "The merged folder (channel_KKKK.png, sheet.png, index.json)")->required();
    m->add_flag("-q,--quiet", merge.quiet, "No summary line");
    c->callback([c, m, &action] {
        (void)c;
        if (m->parsed())
            action = [] { return merge.run(); };
        else
            action = [] { return cmd.run(); };
    });
}

}  // namespace cnnscope::cli
