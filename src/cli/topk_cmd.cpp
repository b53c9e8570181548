// Headless `topk`: scans a video, image folder or stream and writes, for every channel of a
// layer, a sheet of the k frames' receptive-field patches that excite it most, an index of all
// sheets, and the entries as JSON and CSV.
#include "cli/cli.hpp"
#include "core/model/conv_mode.hpp"
#include "core/model/precision.hpp"
#include "cli/stream_loop.hpp"

#include "core/base/json_read.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/image_header.hpp"
#include "core/io/output_set.hpp"
#include "core/base/interrupt.hpp"
#include "core/base/parse.hpp"
#include "core/unit/receptive_field.hpp"
#include "core/pipeline/source.hpp"
#include "core/unit/featvis_index.hpp"
#include "core/unit/topk.hpp"
#include "core/unit/topk_index.hpp"
#include "core/render/mosaic.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

namespace fs = std::filesystem;

namespace cnnscope::cli {

namespace {

using Clock = std::chrono::steady_clock;

double msBetween(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// Frames of a video/stream/camera (FrameSource) or of a folder of images in name order.
class ScanSource {
public:
    static Expected<std::unique_ptr<ScanSource>> open(const std::string& spec) {
        auto s = std::unique_ptr<ScanSource>(new ScanSource);
        std::error_code ec;
        if (fs::is_directory(spec, ec)) {
            for (const auto& e : fs::directory_iterator(spec, ec))
                if (e.is_regular_file() && isImagePath(e.path().string())) s->m_files.push_back(e.path().string());
            if (ec) return Error{"cannot list '" + spec + "': " + ec.message()};
            std::sort(s->m_files.begin(), s->m_files.end());
            if (s->m_files.empty()) return Error{"folder '" + spec + "' holds no images (.png, .jpg, ...); give a folder of images or a video"};
            s->m_folder = true;
            return s;
        }
        auto src = FrameSource::open(spec);
        if (!src) return Error{src.error()};
        s->m_source = std::move(*src);
        return s;
    }
    // Next frame; End at the end, Error with lastError() on a bad file or a lost stream.
    ReadStatus read(cv::Mat& frame) {
        if (!m_folder) {
            if (m_source->still() && m_index > 0) return ReadStatus::End;
            const ReadStatus rs = m_source->read(frame);
            if (rs == ReadStatus::Ok) ++m_index;
            m_error = m_source->lastError();
            return rs;
        }
        if (m_index >= int64_t(m_files.size())) return ReadStatus::End;
        const std::string& f = m_files[size_t(m_index)];
        if (auto st = checkImageFileHeader(f); !st) {
            m_error = st.error();
            return ReadStatus::Error;
        }
        frame = cv::imread(f, cv::IMREAD_COLOR);
        if (frame.empty()) {
            m_error = "cannot read image '" + f + "' (not an image, or damaged); remove it from the folder";
            return ReadStatus::Error;
        }
        ++m_index;
        return ReadStatus::Ok;
    }
    // About how many frames there are (0: unknown, e.g. live). Containers may lie; display only.
    int64_t estimatedFrames(const std::string& spec) const {
        if (m_folder) return int64_t(m_files.size());
        if (m_source->still()) return 1;
        if (m_source->kind() != SourceKind::Video) return 0;
        cv::VideoCapture probe(spec);
        return probe.isOpened() ? std::max<int64_t>(0, int64_t(probe.get(cv::CAP_PROP_FRAME_COUNT))) : 0;
    }
    double seconds(int64_t index, double sinceStart) const {
        if (m_folder || m_source->still()) return 0.0;
        return m_source->fps() > 0 && !m_source->live() ? double(index) / m_source->fps() : sinceStart;
    }
    std::string name(int64_t index) const { return m_folder ? fs::path(m_files[size_t(index)]).filename().string() : std::string(); }
    const std::string& lastError() const { return m_error; }
    // See FrameSource::shortfall (a folder's images are all read or an error stops the scan).
    std::string shortfall() const { return m_source ? m_source->shortfall() : std::string(); }
    bool live() const { return m_source && m_source->live(); }

private:
    std::unique_ptr<FrameSource> m_source;
    std::vector<std::string> m_files;
    bool m_folder = false;
    int64_t m_index = 0;
    std::string m_error;
};

// Writes a run's (or a merge's) files: one sheet per channel, then index.png, topk.json and
// topk.csv for a whole run, or shard.json for a shard; all renamed into place together.
Status writeRecord(OutputFolder& folder, TopkRecord& r) {
    const TopkSettings& s = r.settings;
    auto cs = parseCaptionStyle(s.caption);
    if (!cs) return Error{cs.error()};
    // The channel first, so that a narrow sheet cuts the end of its title, never the channel;
    // the model goes to the full caption's strip, which is sized to fit.
    const bool titled = *cs != CaptionStyle::None;
    for (size_t c = 0; c < r.entries.size(); ++c) {
        const std::string title =
            titled ? cv::format("ch %zu | %s | top %d of %lld frames", c, s.layer.c_str(), s.k, (long long)r.framesScanned) : std::string();
        cv::Mat sheet = renderTopKSheet(r.entries[c], s.k, s.thumb, title);
        if (*cs == CaptionStyle::Full) sheet = withCaption(sheet, s.model);
        r.sheetSize = sheet.size();
        if (auto st = folder.addImage(cv::format("channel_%04zu.png", c), sheet); !st) return st;
    }
    if (r.shard >= 0) {
        if (auto st = folder.addText("shard.json", topkJson(r)); !st) return st;
        return folder.commit();
    }
    TopKSnapshot snap;
    snap.layer = s.layer;
    snap.k = s.k;
    snap.thumbSide = s.thumb;
    snap.framesSeen = r.framesScanned;
    snap.channels = r.entries;
    const std::string title = titled ? cv::format("%s | top %d per channel | %d channels | %lld frames", s.layer.c_str(), s.k, s.channels,
                                                  (long long)r.framesScanned)
                                     : std::string();
    cv::Mat index = renderTopKIndex(snap, title);
    if (*cs == CaptionStyle::Full) index = withCaption(index, s.model);
    if (auto st = folder.addImage("index.png", index); !st) return st;
    if (auto st = folder.addText("topk.json", topkJson(r)); !st) return st;
    if (auto st = folder.addText("topk.csv", topkCsv(r)); !st) return st;
    return folder.commit();
}

struct TopkCmd {
    CommonOptions common;
    std::string source, layer, out, caption = "full", shard;
    int k = 9, every = 1, thumb = 64;
    int shardIndex = -1, shardCount = 0;
    int64_t frames = 0;

    struct Stats {
        int64_t read = 0, scanned = 0;
        double forwardMs = 0, topkMs = 0, totalMs = 0;
        bool stopped = false;
        std::string shortSource;  // the source ended early: outputs hold the frames scanned, exit 3
        std::map<int64_t, cv::Size> frameSizes;  // scanned frames that hold entries
    };

    Status validate() const {
        // Not CLI11-required, so that `topk merge` parses without them.
        if (source.empty()) return Error{"topk needs SOURCE (a video, folder of images, ...), or `topk merge DIR... --out DIR`"};
        if (layer.empty()) return Error{"topk needs --layer L (see `cnnscope layers`)"};
        if (out.empty()) return Error{"topk needs --out DIR/ (a folder)"};
        if (k < 1 || k > 64) return Error{"--k must be between 1 and 64, got " + std::to_string(k)};
        if (every < 1) return Error{"--every must be at least 1, got " + std::to_string(every)};
        if (thumb < 16 || thumb > 256) return Error{"--tile-size must be between 16 and 256, got " + std::to_string(thumb)};
        if (frames < 0) return Error{"--frames must be >= 0"};
        std::error_code ec;
        if (fs::exists(out, ec) && !fs::is_directory(out, ec)) return Error{"--out '" + out + "' is a file; give a folder"};
        // A name that ends like a file is not made into a folder of that name.
        const std::string ext = lower(fs::path(out).extension().string());
        for (const char* e : {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".json", ".csv", ".tif", ".tiff", ".webp", ".npy"})
            if (ext == e && !fs::is_directory(out, ec))
                return Error{"--out '" + out + "' names a " + ext.substr(1) + " file, but topk writes a folder (one sheet per channel, "
                             "index.png, topk.json, topk.csv); give a folder, e.g. --out " + fs::path(out).replace_extension().string() + "/"};
        return {};
    }

    int run() {
        auto cs = parseCaptionStyle(caption);
        if (!cs) return fail(cs.error());
        caption = captionStyleName(*cs);
        if (auto st = validate(); !st) return fail(st.error());
        if (!shard.empty()) {
            auto sh = parseShard(shard);
            if (!sh) return fail(sh.error());
            shardIndex = sh->first, shardCount = sh->second;
        }
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        auto info = model->requireSpatialLayer(layer);
        if (!info) return fail(info.error());
        const LayerInfo li = **info;
        auto src = ScanSource::open(source);
        if (!src) return fail(src.error());
        if (shardCount > 0 && (*src)->live())
            return fail("--shard splits the frames of a file or folder, and '" + source + "' is live (its frames differ per run); "
                        "give a video file or a folder of images");
        std::error_code ec;
        if (fs::is_directory(out, ec)) {  // the files this run writes there may not be its inputs
            std::vector<OutputPath> outs;
            for (int c = 0; c < li.channels(); ++c) outs.push_back({"--out", (fs::path(out) / cv::format("channel_%04d.png", c)).string()});
            for (const char* name : {"index.png", "topk.json", "topk.csv", "shard.json"}) outs.push_back({"--out", (fs::path(out) / name).string()});
            if (auto st = checkRunOutputs(common, source, outs, &*model); !st) return fail(st.error());
        }
        // The whole set or nothing: every file is renamed into place only after all were written, and
        // a folder reused from an earlier run loses that run's files that this one does not write.
        auto folder = OutputFolder::open(out);
        if (!folder) return fail(folder.error());

        TopKOptions opts;
        opts.k = k;
        opts.thumbSide = thumb;
        opts.exactThumbnails = true;  // a frame's thumbnails do not depend on how the frames are split
        TopKAccumulator acc(opts);
        const cv::Size inputSize = model->preprocessing().size;
        const std::string label = pipelineLabel(*model, std::string());
        if (!common.quiet)
            std::fprintf(stderr, "topk: %s, %s %d channels, k %d, thumbnails %dx%d: at most %.1f MB%s\n", label.c_str(), layer.c_str(),
                         li.channels(), k, thumb, thumb, double(TopKAccumulator::budgetBytes(li.channels(), opts)) / 1e6,
                         shardCount ? cv::format("; shard %d/%d of the scanned frames", shardIndex, shardCount).c_str() : "");

        Stats st;
        if (auto s = scan(**src, *model, li, inputSize, acc, st); !s) return fail(s.error());
        if (st.scanned == 0 && shardCount == 0) return fail("'" + source + "' gave no frames; nothing was written");
        size_t row = 0;
        while (model->layers()[row].name != layer) ++row;
        TopkRecord r = record(acc.snapshot(), *model, row, label, inputSize, **src, st);
        if (auto s = writeRecord(*folder, r); !s) return fail(s.error());
        if (!common.quiet)
            std::fprintf(stderr, "topk: %lld of %lld frames scanned -> %s%s (per scanned frame: forward %.1f ms, top-k %.2f ms)\n",
                         (long long)st.scanned, (long long)st.read, out.c_str(),
                         st.stopped ? " (stopped by signal; outputs hold the frames scanned)" : "",
                         st.forwardMs / double(std::max<int64_t>(1, st.scanned)), st.topkMs / double(std::max<int64_t>(1, st.scanned)));
        if (!st.shortSource.empty()) return reportShortSource(st.shortSource);
        return st.stopped ? 130 : 0;
    }

    Status scan(ScanSource& src, Model& model, const LayerInfo& li, cv::Size inputSize, TopKAccumulator& acc, Stats& st) {
        const int64_t estimate = src.estimatedFrames(source);
        const int64_t total = frames > 0 ? (estimate > 0 ? std::min(frames, estimate) : frames) : estimate;
        Progress progress("topk", total, common.quiet);
        const auto t0 = Clock::now();
        cv::Mat frame, act;
        while (frames == 0 || st.read < frames) {
            if (interrupted()) {
                st.stopped = true;
                break;
            }
            const ReadStatus rs = src.read(frame);
            if (rs == ReadStatus::End) {
                st.shortSource = src.shortfall();
                break;
            }
            if (rs == ReadStatus::Error) {
                if (st.read == 0) return Error{src.lastError()};
                if (src.live()) warn(src.lastError() + "; writing the frames scanned so far");
                else st.shortSource = src.lastError();
                break;
            }
            const int64_t index = st.read++;
            if (index % every != 0 || !topkFrameInShard(index, every, shardIndex, shardCount)) continue;
            const auto f0 = Clock::now();
            if (auto s = model.forward(frame, layer, act); !s) return s;
            const auto f1 = Clock::now();
            if (acc.update(act, frame, li, inputSize, index, src.seconds(index, msBetween(t0, f0) / 1000.0)) > 0)
                st.frameSizes[index] = frame.size();
            const auto f2 = Clock::now();
            st.forwardMs += msBetween(f0, f1);
            st.topkMs += msBetween(f1, f2);
            ++st.scanned;
            std::string detail = std::to_string(st.scanned) + " scanned";
            if (total <= 0) detail += " (Ctrl-C to stop)";
            progress.step(st.read, detail);
        }
        st.totalMs = msBetween(t0, Clock::now());
        progress.done(cv::format("%lld frames read, %lld scanned in %.1f s", (long long)st.read, (long long)st.scanned, st.totalMs / 1000.0));
        return {};
    }

    // The run as its files say it: the settings, counts and times, and each entry's place.
    TopkRecord record(const TopKSnapshot& snap, const Model& model, size_t row, const std::string& label, cv::Size inputSize,
                      const ScanSource& src, const Stats& st) const {
        const std::vector<LayerInfo>& rows = model.layers();
        const LayerInfo& li = rows[row];
        TopkRecord r;
        TopkSettings& s = r.settings;
        s.model = label;
        s.weights = model.source();
        s.source = source;
        s.layer = layer;
        s.caption = caption;
        s.channels = snap.channels.empty() ? li.channels() : int(snap.channels.size());  // a shard that scanned nothing too
        s.engine = std::string(precisionName(currentPrecision().actual)) + " " + convModeName(convMode());
        s.receptiveField = li.receptiveField, s.stride = li.stride, s.rfOffset = li.rfOffset;
        s.inputSize = inputSize;
        s.k = k, s.every = every, s.thumb = thumb;
        s.framesLimit = frames;
        r.shard = shardIndex, r.shards = shardCount;
        r.framesRead = st.read, r.framesScanned = st.scanned;
        r.stopped = st.stopped;
        r.shortSource = st.shortSource;
        r.forwardMs = st.forwardMs, r.topkMs = st.topkMs, r.totalMs = st.totalMs;
        r.entries = snap.channels;
        r.entries.resize(size_t(s.channels));  // no frames scanned: every channel empty
        r.places.resize(size_t(s.channels));
        for (size_t c = 0; c < snap.channels.size(); ++c)
            for (const TopKEntry& e : snap.channels[c]) {
                TopkPlace p;
                p.file = src.name(e.frame);
                p.frameSize = st.frameSizes.at(e.frame);
                const ReceptiveField f = receptiveField(rows, row, e.pos.y, e.pos.x, p.frameSize);
                p.rectClipped = f.frameClipped, p.blob = f.blob, p.blobClipped = f.blobClipped;
                r.places[c].push_back(p);
            }
        return r;
    }
};

// Each entry's thumbnail, read back from its shard's channel sheet at the layout's place.
Status readThumbnails(const std::string& dir, TopkRecord& r) {
    const SheetLayout l = sheetLayout(r.settings.k, r.settings.thumb);
    for (size_t c = 0; c < r.entries.size(); ++c) {
        if (r.entries[c].empty()) continue;
        const std::string png = (fs::path(dir) / cv::format("channel_%04zu.png", c)).string();
        const cv::Mat sheet = cv::imread(png, cv::IMREAD_COLOR);
        if (sheet.empty()) return Error{"cannot read '" + png + "' (missing or damaged); rerun that shard"};
        if (sheet.size() != r.sheetSize) return Error{"'" + png + "' is not the size shard.json gives; rerun that shard"};
        for (size_t k = 0; k < r.entries[c].size(); ++k) r.entries[c][k].thumb = sheet(l.thumbRect(int(k), r.settings.thumb)).clone();
    }
    return {};
}

struct MergeCmd {
    std::vector<std::string> dirs;
    std::string out;
    bool quiet = false;

    // The shard files, each its folder's; refusals name the folder and the fix.
    Status load(std::vector<TopkRecord>& shards) const {
        std::error_code ec;
        for (const auto& d : dirs) {
            const std::string file = (fs::path(d) / "shard.json").string();
            if (!fs::is_directory(d, ec)) return Error{"'" + d + "' is not a folder; give the folders `topk --shard I/N --out DIR/` wrote"};
            if (!fs::exists(file, ec)) return Error{"'" + d + "' has no shard.json: not a folder written by `topk --shard I/N`"};
            auto text = readSmallFile(file, "a topk shard file", size_t(256) << 20);
            if (!text) return Error{text.error()};
            auto r = parseTopkShard(*text, file);
            if (!r) return Error{r.error()};
            shards.push_back(std::move(*r));
        }
        return {};
    }

    // Shards of one run, each once, all of them, complete.
    Status check(const std::vector<TopkRecord>& shards) const {
        const TopkRecord& first = shards[0];
        std::map<int, size_t> seen;
        for (size_t i = 0; i < shards.size(); ++i) {
            const TopkRecord& r = shards[i];
            const std::string diff = topkSettingsDiffer(first.settings, r.settings);
            const std::string one = "; merge only the shards of one run";
            if (!diff.empty()) return Error{"'" + dirs[i] + "' and '" + dirs[0] + "' come from different runs: they differ in " + diff + one};
            if (r.shards != first.shards || r.shard < 0 || r.shard >= r.shards)
                return Error{cv::format("'%s' is shard %d/%d but '%s' is %d/%d", dirs[i].c_str(), r.shard, r.shards, dirs[0].c_str(),
                                        first.shard, first.shards) + one};
            if (r.framesRead != first.framesRead || r.shortSource != first.shortSource)
                return Error{cv::format("'%s' read %lld frames of the source but '%s' read %lld (the file changed, or a shard was cut "
                                        "short); rerun the shards", dirs[i].c_str(), (long long)r.framesRead, dirs[0].c_str(),
                                        (long long)first.framesRead)};
            if (r.stopped) return Error{cv::format("shard %d/%d ('%s') was stopped before the end; rerun it", r.shard, r.shards, dirs[i].c_str())};
            if (auto it = seen.find(r.shard); it != seen.end())
                return Error{cv::format("shard %d/%d is given twice ('%s' and '%s'); give each shard once", r.shard, r.shards,
                                        dirs[it->second].c_str(), dirs[i].c_str())};
            seen[r.shard] = i;
        }
        for (int k = 0; k < first.shards; ++k)
            if (!seen.count(k)) return Error{cv::format("shard %d/%d is missing; give all %d shard folders", k, first.shards, first.shards)};
        return {};
    }

    int run() {
        std::vector<TopkRecord> shards;
        if (auto st = load(shards); !st) return fail("topk merge: " + st.error());
        if (auto st = check(shards); !st) return fail("topk merge: " + st.error());
        std::error_code ec;
        for (const auto& d : dirs)
            if (fs::exists(out, ec) && fs::equivalent(d, out, ec))
                return fail("topk merge: --out '" + out + "' is one of the shard folders; give a new folder");
        if (fs::exists(out, ec) && !fs::is_directory(out, ec)) return fail("--out '" + out + "' is a file; give a folder");
        for (size_t i = 0; i < shards.size(); ++i)
            if (auto st = readThumbnails(dirs[i], shards[i]); !st) return fail("topk merge: " + st.error());
        TopkRecord whole = mergeTopkShards(shards);
        std::vector<OutputPath> outs;
        if (fs::is_directory(out, ec)) {
            for (int c = 0; c < whole.settings.channels; ++c) outs.push_back({"--out", (fs::path(out) / cv::format("channel_%04d.png", c)).string()});
            for (const char* name : {"index.png", "topk.json", "topk.csv"}) outs.push_back({"--out", (fs::path(out) / name).string()});
        }
        std::vector<InputPath> ins;
        for (const auto& d : dirs) ins.push_back({"DIR", (fs::path(d) / "shard.json").string()});
        if (auto st = checkOutputs(ins, outs); !st) return fail(st.error());
        auto folder = OutputFolder::open(out);
        if (!folder) return fail(folder.error());
        if (auto st = writeRecord(*folder, whole); !st) return fail(st.error());
        if (!quiet)
            std::fprintf(stderr, "topk merge: %zu shard(s), %lld frames scanned, %d channels of %s -> %s\n", shards.size(),
                         (long long)whole.framesScanned, whole.settings.channels, whole.settings.layer.c_str(), out.c_str());
        return 0;
    }
};

}  // namespace

void registerTopk(CLI::App& app, std::function<int()>& action) {
    static TopkCmd cmd;
    static MergeCmd merge;
    auto* t = app.add_subcommand("topk", "For every channel of a layer, the k frame patches (receptive fields) that excite it most, "
                                         "as one sheet PNG per channel, an index PNG, and JSON/CSV");
    t->add_option("SOURCE", cmd.source, "Video file, folder of images (name order), image, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")
        ;
    t->add_option("--layer", cmd.layer, "Layer name (see `cnnscope layers`)");
    t->add_option("--out", cmd.out, "Output folder: channel_NNNN.png, index.png, topk.json, topk.csv, all renamed into place at the end (a failed run "
                  "leaves none); its .cnnscope-files lists them, and a later run into the folder removes the listed files it does "
                  "not write again. Exit status 3: the source ended before its header's frame count (outputs hold the frames read)");
    t->add_option("--k", cmd.k, "Patches kept per channel (one per frame at most)")->default_val(9);
    t->add_option("--every", cmd.every, "Scan every Nth frame (frames 0, N, 2N, ...)")->default_val(1);
    t->add_option("--frames", cmd.frames, "Read at most this many frames of the source (default: all; live sources until Ctrl-C)");
    addCaptionOption(*t, cmd.caption, "full", "each sheet and the index",
                     "short (channel | layer | top k of frames, in the sheet's title) or full (also the model, in a strip below)");
    t->add_option("--tile-size", cmd.thumb, "A patch's side in pixels on the sheets (memory: channels x k x side^2 x 3 bytes)")->default_val(64);
    t->add_option("--shard", cmd.shard,
                  "I/N: scan only the frames whose scan number (frame / --every) mod N is I (every shard still decodes the "
                  "whole source; the forward, the cost, is split) and write their sheets with shard.json to --out; "
                  "`topk merge` joins the N folders into exactly what one run writes. Files and folders only, not live sources");
    addModelOptions(*t, cmd.common);
    auto* m = t->add_subcommand("merge", "Join the folders of `topk --shard I/N` runs into the folder one whole run writes (each "
                                         "channel's k strongest over all shards); refuses shards of different settings, missing, "
                                         "duplicate or stopped shards");
    m->add_option("DIR", merge.dirs, "The shard folders (all N of them)")->required();
    m->add_option("--out", merge.out, "The merged folder (channel_NNNN.png, index.png, topk.json, topk.csv)")->required();
    m->add_flag("-q,--quiet", merge.quiet, "No summary line");
    t->callback([m, &action] {
        if (m->parsed())
            action = [] { return merge.run(); };
        else
            action = [] { return cmd.run(); };
    });
}

}  // namespace cnnscope::cli
