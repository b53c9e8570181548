// Headless `topk`: scans a video, image folder or stream and writes, for every channel of a
// layer, a sheet of the k frames' receptive-field patches that excite it most, an index of all
// sheets, and the entries as JSON and CSV.
#include "cli/cli.hpp"
#include "cli/stream_loop.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/image_header.hpp"
#include "core/io/output_set.hpp"
#include "core/base/interrupt.hpp"
#include "core/base/parse.hpp"
#include "core/unit/receptive_field.hpp"
#include "core/pipeline/source.hpp"
#include "core/unit/topk.hpp"
#include "core/render/mosaic.hpp"

#include <opencv2/imgcodecs.hpp>

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

std::string rectJson(const cv::Rect& r) { return cv::format("[%d, %d, %d, %d]", r.x, r.y, r.width, r.height); }

struct TopkCmd {
    CommonOptions common;
    std::string source, layer, out, caption = "full";
    int k = 9, every = 1, thumb = 64;
    CaptionStyle captionStyle = CaptionStyle::Full;
    mutable cv::Size sheetSize;  // as written (the layout's, plus the full caption's strip)
    int64_t frames = 0;

    struct Stats {
        int64_t read = 0, scanned = 0;
        double forwardMs = 0, topkMs = 0, totalMs = 0;
        bool stopped = false;
        std::string shortSource;  // the source ended early: outputs hold the frames scanned, exit 3
        std::map<int64_t, cv::Size> frameSizes;  // scanned frames that hold entries
    };

    Status validate() const {
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
        captionStyle = *cs;
        if (auto st = validate(); !st) return fail(st.error());
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        auto info = model->requireSpatialLayer(layer);
        if (!info) return fail(info.error());
        const LayerInfo li = **info;
        auto src = ScanSource::open(source);
        if (!src) return fail(src.error());
        std::error_code ec;
        if (fs::is_directory(out, ec)) {  // the files this run writes there may not be its inputs
            std::vector<OutputPath> outs;
            for (int c = 0; c < li.channels(); ++c) outs.push_back({"--out", (fs::path(out) / cv::format("channel_%04d.png", c)).string()});
            for (const char* name : {"index.png", "topk.json", "topk.csv"}) outs.push_back({"--out", (fs::path(out) / name).string()});
            if (auto st = checkRunOutputs(common, source, outs, &*model); !st) return fail(st.error());
        }
        // The whole set or nothing: every file is renamed into place only after all were written, and
        // a folder reused from an earlier run loses that run's files that this one does not write.
        auto folder = OutputFolder::open(out);
        if (!folder) return fail(folder.error());

        TopKOptions opts;
        opts.k = k;
        opts.thumbSide = thumb;
        TopKAccumulator acc(opts);
        const cv::Size inputSize = model->preprocessing().size;
        const std::string label = pipelineLabel(*model, std::string());
        if (!common.quiet)
            std::fprintf(stderr, "topk: %s, %s %d channels, k %d, thumbnails %dx%d: at most %.1f MB\n", label.c_str(), layer.c_str(),
                         li.channels(), k, thumb, thumb, double(TopKAccumulator::budgetBytes(li.channels(), opts)) / 1e6);

        Stats st;
        if (auto s = scan(**src, *model, li, inputSize, acc, st); !s) return fail(s.error());
        if (st.scanned == 0) return fail("'" + source + "' gave no frames; nothing was written");
        size_t row = 0;
        while (model->layers()[row].name != layer) ++row;
        if (auto s = writeOutputs(*folder, acc.snapshot(), model->layers(), row, label, inputSize, **src, st); !s)
            return fail(s.error());
        if (!common.quiet)
            std::fprintf(stderr, "topk: %lld of %lld frames scanned -> %s%s (per scanned frame: forward %.1f ms, top-k %.2f ms)\n",
                         (long long)st.scanned, (long long)st.read, out.c_str(),
                         st.stopped ? " (stopped by signal; outputs hold the frames scanned)" : "",
                         st.forwardMs / double(st.scanned), st.topkMs / double(st.scanned));
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
            if (index % every != 0) continue;
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

    Status writeOutputs(OutputFolder& folder, const TopKSnapshot& snap, const std::vector<LayerInfo>& rows, size_t row,
                        const std::string& label, cv::Size inputSize, const ScanSource& src, const Stats& st) const {
        const int C = int(snap.channels.size());
        // The channel first, so that a narrow sheet cuts the end of its title, never the channel;
        // the model goes to the full caption's strip, which is sized to fit.
        const bool titled = captionStyle != CaptionStyle::None;
        for (int c = 0; c < C; ++c) {
            const std::string title = titled ? cv::format("ch %d | %s | top %d of %lld frames", c, layer.c_str(), k, (long long)st.scanned)
                                             : std::string();
            cv::Mat sheet = renderTopKSheet(snap.channels[size_t(c)], k, thumb, title);
            if (captionStyle == CaptionStyle::Full) sheet = withCaption(sheet, label);
            sheetSize = sheet.size();
            if (auto s = folder.addImage(cv::format("channel_%04d.png", c), sheet); !s) return s;
        }
        const std::string title = titled ? cv::format("%s | top %d per channel | %d channels | %lld frames", layer.c_str(), k, C,
                                                      (long long)st.scanned)
                                         : std::string();
        cv::Mat index = renderTopKIndex(snap, title);
        if (captionStyle == CaptionStyle::Full) index = withCaption(index, label);
        if (auto s = folder.addImage("index.png", index); !s) return s;
        if (auto s = folder.addText("topk.json", json(snap, rows, row, label, inputSize, src, st)); !s) return s;
        if (auto s = folder.addText("topk.csv", csv(snap, src)); !s) return s;
        return folder.commit();
    }

    std::string json(const TopKSnapshot& snap, const std::vector<LayerInfo>& rows, size_t row, const std::string& label,
                     cv::Size inputSize, const ScanSource& src, const Stats& st) const {
        const LayerInfo& li = rows[row];
        const SheetLayout sl = sheetLayout(k, thumb);
        std::ostringstream o;
        o << "{\n  \"model\": \"" << jsonEscape(label) << "\",\n  \"untrained\": " << (label.find("untrained") != std::string::npos ? "true" : "false")
          << ",\n  \"source\": \"" << jsonEscape(source) << "\",\n  \"layer\": \"" << jsonEscape(layer) << "\",\n  \"channels\": "
          << snap.channels.size() << ",\n  \"input_size\": [" << inputSize.width << ", " << inputSize.height << "],\n  \"receptive_field\": "
          << li.receptiveField << ", \"stride\": " << li.stride << ", \"rf_offset\": " << li.rfOffset << ",\n  \"k\": " << k
          << ", \"every\": " << every << ", \"thumb\": " << thumb << ", \"pad_colour_bgr\": [128, 128, 128],\n  \"frames_read\": " << st.read
          << ", \"frames_scanned\": " << st.scanned << ", \"stopped\": " << (st.stopped ? "true" : "false") << ",\n  \"source_ended_early\": "
          << (st.shortSource.empty() ? std::string("null") : "\"" + jsonEscape(st.shortSource) + "\"")
          << ",\n  \"ms_per_frame\": {\"forward\": " << jsonNumber(st.forwardMs / double(st.scanned), 6)
          << ", \"topk\": " << jsonNumber(st.topkMs / double(st.scanned), 6) << ", \"total\": " << jsonNumber(st.totalMs / double(st.scanned), 6) << "}"
          << ",\n  \"budget_bytes\": " << TopKAccumulator::budgetBytes(int(snap.channels.size()), {k, thumb, {}})
          << ",\n  \"sheet\": {\"size\": [" << sheetSize.width << ", " << sheetSize.height << "], \"thumb_rects\": [";
        for (int r = 0; r < k; ++r) o << (r ? ", " : "") << rectJson(sl.thumbRect(r, thumb));
        o << "]},\n  \"entries\": [";
        bool first = true;
        for (size_t c = 0; c < snap.channels.size(); ++c)
            for (size_t r = 0; r < snap.channels[c].size(); ++r) {
                const TopKEntry& e = snap.channels[c][r];
                const cv::Size fsz = st.frameSizes.at(e.frame);
                const ReceptiveField f = receptiveField(rows, row, e.pos.y, e.pos.x, fsz);
                o << (first ? "\n" : ",\n") << cv::format("    {\"channel\": %zu, \"rank\": %zu, \"value\": ", c, r)
                  << jsonNumber(double(e.value)) << ", \"frame\": " << (long long)e.frame << ", \"time\": " << jsonNumber(e.seconds, 6) << ", "
                  << "\"file\": \"" << jsonEscape(src.name(e.frame)) << "\", \"y\": " << e.pos.y << ", \"x\": " << e.pos.x
                  << ", \"frame_size\": [" << fsz.width << ", " << fsz.height << "], \"rect\": " << rectJson(e.field)
                  << ", \"rect_clipped\": " << rectJson(f.frameClipped) << ", \"blob_rect\": " << rectJson(f.blob)
                  << ", \"blob_rect_clipped\": " << rectJson(f.blobClipped) << "}";
                first = false;
            }
        o << "\n  ]\n}\n";
        return o.str();
    }

    std::string csv(const TopKSnapshot& snap, const ScanSource& src) const {
        std::ostringstream o;
        o << "channel,rank,value,frame,time,file,y,x,rect_x,rect_y,rect_w,rect_h\n";
        for (size_t c = 0; c < snap.channels.size(); ++c)
            for (size_t r = 0; r < snap.channels[c].size(); ++r) {
                const TopKEntry& e = snap.channels[c][r];
                o << cv::format("%zu,%zu,%.9g,%lld,%.4f,", c, r, double(e.value), (long long)e.frame, e.seconds) << src.name(e.frame)
                  << cv::format(",%d,%d,%d,%d,%d,%d\n", e.pos.y, e.pos.x, e.field.x, e.field.y, e.field.width, e.field.height);
            }
        return o.str();
    }
};

}  // namespace

void registerTopk(CLI::App& app, std::function<int()>& action) {
    static TopkCmd cmd;
    auto* t = app.add_subcommand("topk", "For every channel of a layer, the k frame patches (receptive fields) that excite it most, "
                                         "as one sheet PNG per channel, an index PNG, and JSON/CSV");
    t->add_option("SOURCE", cmd.source, "Video file, folder of images (name order), image, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")
        ->required();
    t->add_option("--layer", cmd.layer, "Layer name (see `cnnscope layers`)")->required();
    t->add_option("--out", cmd.out, "Output folder: channel_NNNN.png, index.png, topk.json, topk.csv, all renamed into place at the end (a failed run "
                  "leaves none); its .cnnscope-files lists them, and a later run into the folder removes the listed files it does "
                  "not write again. Exit status 3: the source ended before its header's frame count (outputs hold the frames read)")->required();
    t->add_option("--k", cmd.k, "Patches kept per channel (one per frame at most)")->default_val(9);
    t->add_option("--every", cmd.every, "Scan every Nth frame (frames 0, N, 2N, ...)")->default_val(1);
    t->add_option("--frames", cmd.frames, "Read at most this many frames of the source (default: all; live sources until Ctrl-C)");
    addCaptionOption(*t, cmd.caption, "full", "each sheet and the index",
                     "short (channel | layer | top k of frames, in the sheet's title) or full (also the model, in a strip below)");
    t->add_option("--tile-size", cmd.thumb, "A patch's side in pixels on the sheets (memory: channels x k x side^2 x 3 bytes)")->default_val(64);
    addModelOptions(*t, cmd.common);
    t->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
