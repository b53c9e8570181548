// `cnnscope bench`: bare forward time against the full headless pipeline on real footage, per
// layer and input size, with GFLOP/s and heap allocations per steady-state frame.
#include "cli/cli.hpp"

#include "core/base/alloc_counter.hpp"
#include "core/io/atomic_file.hpp"
#include "core/base/interrupt.hpp"
#include "core/render/mosaic.hpp"
#include "core/base/parse.hpp"
#include "core/model/precision.hpp"
#include "core/pipeline/source.hpp"

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace cnnscope::cli {

namespace {

using Clock = std::chrono::steady_clock;

double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

struct Timing {
    double median = 0, min = 0;
};

Timing summarize(std::vector<double> v) {
    Timing t;
    if (v.empty()) return t;
    std::sort(v.begin(), v.end());
    t.min = v.front();
    t.median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    return t;
}

std::string cpuName() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    return "unknown";
}


struct BenchCmd {
    CommonOptions common;
    std::vector<std::string> sizes, layers;
    std::string source = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";
    std::string json;
    int frames = 10, warmup = 2, threads = 0;
    std::vector<std::string> convs, precisions;
    struct Case {
        ConvMode conv;
        Precision precision;
    };
    std::vector<Case> cases;  // every conv mode with every precision, alternating frame by frame

    int run() {
        if (threads > 0) cv::setNumThreads(threads);
        if (convs.empty()) convs = {"auto"};
        if (precisions.empty()) {  // $CNNSCOPE_PRECISION, as every command
            const char* env = std::getenv("CNNSCOPE_PRECISION");
            precisions = {env && *env ? env : "auto"};
            if (auto st = applyPrecisionOption(""); !st) return fail(st.error());
        }
        for (size_t i = 1; i < precisions.size(); ++i)  // each once, in the order given
            if (std::find(precisions.begin(), precisions.begin() + long(i), precisions[i]) != precisions.begin() + long(i))
                precisions.erase(precisions.begin() + long(i--));
        for (const auto& c : convs) {
            auto mode = parseConvMode(c);
            if (!mode) return fail("--conv: " + mode.error());
            for (const auto& pr : precisions) {
                auto prec = parsePrecision(pr);
                if (!prec) return fail("--precision: " + prec.error());
                cases.push_back({*mode, *prec});
            }
        }
        common.conv = convs.front();
        common.precision = precisions.front();
        std::vector<cv::Size> inputSizes;
        if (sizes.empty()) sizes = {"224x224", "640x480"};
        for (const auto& s : sizes) {
            auto size = parseSize(s, kMinInputSide, kMaxInputSide);
            if (!size) return fail("--input-size: " + size.error());
            inputSizes.push_back(*size);
        }
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (!json.empty())
            if (auto st = checkRunOutputs(common, source, {{"--json", json}}, &*model); !st) return fail(st.error());
        if (layers.empty()) {
            for (const char* l : {"block1_conv1", "block2_conv2", "block3_conv4", "block5_conv4"})
                if (model->find(l)) layers.emplace_back(l);
            if (layers.empty()) layers = {model->defaultLayer()};
        }
        for (const auto& l : layers)
            if (auto ok = model->requireSpatialLayer(l); !ok) return fail(ok.error());
        auto src = FrameSource::open(source);
        if (!src) return fail(src.error());
        FrameSource& s = **src;
        cv::Mat frame;
        auto next = [&]() -> Status {
            ReadStatus rs = s.read(frame);
            if (rs == ReadStatus::End && s.rewind()) rs = s.read(frame);
            if (rs != ReadStatus::Ok) return Error{"'" + source + "' stopped giving frames: " + s.lastError()};
            return {};
        };
        if (auto st = next(); !st) return fail(st.error());

        std::ostringstream rows;
        std::printf("%-14s %-9s %-14s %10s %10s %11s %11s %9s %7s %11s   %s\n", "layer", "input", "conv/precision", "forward_ms", "fwd_min", "pipeline_ms",
                    "pipe_min", "overhead", "GFLOP/s", "allocs/frm", "pipeline = decode + preprocess/forward/copy-out + render   conv kernels");
        bool firstRow = true;
        Progress progress("bench", int64_t(inputSizes.size() * layers.size()) * (warmup + 1 + frames), common.quiet);
        int64_t stepsDone = 0;
        for (const cv::Size& size : inputSizes) {
            if (auto st = model->setInputSize(size); !st) return fail(st.error());
            for (const std::string& layer : layers) {
                if (interrupted()) return fail("interrupted");
                // Bare forward (one preprocessed blob: setInput + forward(layer), nothing copied out) and
                // the full pipeline (decode, preprocess, forward, copy-out, normalise, colour, 8x8 mosaic)
                // alternate frame by frame, so that drifts of the machine's speed hit both alike.
                const cv::Mat blob = model->preprocessFrame(frame).clone();
                cv::Mat act, mosaic;
                MosaicScratch scratch;
                MosaicOptions mo;
                mo.labels = false;
                const size_t M = cases.size();
                std::vector<std::vector<double>> fwd(M), pipe(M), decodeMs(M), netMs(M), renderMs(M);
                std::vector<int64_t> allocs(M, 0);
                std::vector<ConvReport> kernels(M);
                std::vector<std::string> engines(M);
                int64_t allocStart = 0;
                double rssStart = 0;
                for (int i = 0; i < warmup + 1 + frames; ++i) {
                    const bool timed = i > warmup;
                    // Modes alternate frame by frame, so that drifts of the machine's speed hit all alike.
                    for (size_t m = 0; m < M; ++m) {
                        setConvMode(cases[m].conv);
                        setPrecision(cases[m].precision);
                        const auto b0 = Clock::now();
                        if (auto st = model->forwardBlob(blob, layer); !st) return fail(st.error());
                        const auto b1 = Clock::now();
                        if (i == warmup + 1 && m == 0) {
                            allocStart = heapAllocations();
                            rssStart = residentMemoryMb();
                        }
                        const int64_t a0 = heapAllocations();
                        const auto t0 = Clock::now();
                        if (auto st = next(); !st) return fail(st.error());
                        const auto t1 = Clock::now();
                        if (auto st = model->forward(frame, layer, act); !st) return fail(st.error());
                        const auto t2 = Clock::now();
                        renderMosaic(act, mo, mosaic, scratch);
                        const auto t3 = Clock::now();
                        if (timed) {
                            fwd[m].push_back(ms(b0, b1));
                            pipe[m].push_back(ms(t0, t3));
                            decodeMs[m].push_back(ms(t0, t1));
                            netMs[m].push_back(ms(t1, t2));
                            renderMs[m].push_back(ms(t2, t3));
                            allocs[m] += heapAllocations() - a0;
                        }
                        if (i == warmup) {
                            kernels[m] = model->convReport();
                            engines[m] = model->engine();
                        }
                    }
                    progress.step(++stepsDone, layer + " at " + std::to_string(size.width) + "x" + std::to_string(size.height));
                }
                const double rssEnd = residentMemoryMb();
                progress.clear();
                for (size_t m = 0; m < M; ++m) {
                    const Timing f = summarize(fwd[m]), p = summarize(pipe[m]);
                    const double gflops = double(model->flopsTo(layer)) / (f.median * 1e6);
                    const double overhead = p.median / f.median - 1.0;
                    const double allocsPerFrame = allocStart >= 0 ? double(allocs[m]) / frames : -1;
                    const std::string in = std::to_string(size.width) + "x" + std::to_string(size.height);
                    const Timing d = summarize(decodeMs[m]), n = summarize(netMs[m]), r = summarize(renderMs[m]);
                    const char* conv = convModeName(cases[m].conv);
                    const std::string& prec = kernels[m].precision;  // what ran
                    const std::string label = std::string(conv) + "/" + prec;
                    std::printf("%-14s %-9s %-14s %10.1f %10.1f %11.1f %11.1f %8.1f%% %7.1f %11s   %.1f + %.1f + %.1f   %s\n", layer.c_str(),
                                in.c_str(), label.c_str(), f.median, f.min, p.median, p.min, 100 * overhead, gflops,
                                allocsPerFrame >= 0 ? cv::format("%.1f", allocsPerFrame).c_str() : "n/a", d.median, n.median, r.median,
                                kernels[m].summary.c_str());
                    if (frames >= 1000 && m + 1 == M)
                        std::printf("%-14s %-9s memory %.1f MiB after warm-up, %.1f MiB after %d frames (%+.2f%%)\n", "", "", rssStart,
                                    rssEnd, frames, 100.0 * (rssEnd - rssStart) / rssStart);
                    std::fflush(stdout);
                    std::ostringstream perLayer;
                    for (const auto& k : kernels[m].layers)
                        perLayer << (perLayer.tellp() > 0 ? ", " : "") << "{\"layer\": \"" << jsonEscape(k.name) << "\", \"kernel\": \""
                                 << k.kernel << "\", \"impl\": \"" << jsonEscape(k.impl) << "\", \"why\": \"" << jsonEscape(k.why) << "\"}";
                    rows << (firstRow ? "" : ",\n") << "    {\"layer\": \"" << jsonEscape(layer) << "\", \"input_size\": \"" << in
                         << "\", \"conv\": \"" << conv << "\", \"precision\": \"" << prec << "\", \"precision_requested\": \""
                         << precisionName(cases[m].precision) << "\", \"engine\": \"" << jsonEscape(engines[m])
                         << "\", \"conv_summary\": \"" << jsonEscape(kernels[m].summary)
                         << "\", \"forward_ms\": " << jsonNumber(f.median, 6) << ", \"forward_min_ms\": " << jsonNumber(f.min, 6) << ", \"pipeline_ms\": " << jsonNumber(p.median, 6)
                         << ", \"pipeline_min_ms\": " << jsonNumber(p.min, 6) << ", \"overhead\": " << jsonNumber(overhead, 6) << ", \"gflops\": " << jsonNumber(gflops, 6)
                         << ", \"allocs_per_frame\": " << (allocsPerFrame >= 0 ? jsonNumber(allocsPerFrame, 6) : std::string("null"))
                         << ", \"rss_start_mb\": " << jsonNumber(rssStart, 6) << ", \"rss_end_mb\": " << jsonNumber(rssEnd, 6) << ", \"decode_ms\": " << jsonNumber(d.median, 6)
                         << ", \"net_ms\": " << jsonNumber(n.median, 6) << ", \"render_ms\": " << jsonNumber(r.median, 6) << ", \"conv_layers\": [" << perLayer.str()
                         << "]}";
                    firstRow = false;
                }
            }
        }
        if (!json.empty()) {
            std::ostringstream doc;
            doc << "{\n  \"machine\": {\"cpu\": \"" << jsonEscape(cpuName()) << "\", \"cores\": " << std::thread::hardware_concurrency()
                << ", \"opencv\": \"" << CV_VERSION << "\", \"onednn\": " << (oneDnnBuilt() ? "true" : "false") << ", \"threads\": " << cv::getNumThreads() << ", \"target\": \""
                << model->target().actual << "\", " << targetJsonFields(model->target()) << ", \"model\": \"" << jsonEscape(model->label()) << "\", \"source\": \""
                << jsonEscape(source) << "\", \"frames\": " << frames << "},\n  \"results\": [\n"
                << rows.str() << "\n  ]\n}\n";
            if (auto st = writeTextAtomic(json, doc.str(), "--json"); !st) return fail(st.error());
        }
        return 0;
    }
};

}  // namespace

void registerBench(CLI::App& app, std::function<int()>& action) {
    static BenchCmd cmd;
    auto* b = app.add_subcommand("bench", "Time the bare forward against the whole headless pipeline, per layer and input size");
    b->add_option("--input-size", cmd.sizes, "Input sizes WxH (repeatable; default 224x224 and 640x480)");
    b->add_option("--layer", cmd.layers, "Layers (repeatable; default block1_conv1, block2_conv2, block3_conv4, block5_conv4)");
    b->add_option("--frames", cmd.frames, "Timed frames per case, after warm-up")->default_val(10);
    b->add_option("--warmup", cmd.warmup, "Untimed frames first")->default_val(2);
    b->add_option("SOURCE", cmd.source, "Footage for the pipeline (looped)")->default_val(cmd.source);
    b->add_option("--threads", cmd.threads, "OpenCV threads (default: OpenCV's choice)");
    b->add_option("--json", cmd.json, "Also write the results as JSON");
    b->add_option("--conv", cmd.convs,
                  "CPU convolution kernels to time, comma-separated or repeated, alternating frame by frame in one run: auto, "
                  "winograd, direct, opencv (default auto)")
        ->delimiter(',');
    b->add_option("--precision", cmd.precisions,
                  "CPU executor precisions to time, comma-separated or repeated, alternating frame by frame with the --conv "
                  "modes: auto, f32, bf16 (default auto; bf16 runs f32 on a CPU without bf16 units)")
        ->delimiter(',');
    b->add_option("--model", cmd.common.model, "Weights file or models.yml name (default search, else untrained VGG19)");
    b->add_option("--config", cmd.common.config, "Second model file (Caffe .prototxt, Darknet .cfg)");
    b->add_flag("--untrained", cmd.common.untrained, "Use the untrained VGG19");
    b->add_option("--target", cmd.common.target, "Compute target: " + targetNames())->default_val("cpu");
    b->add_flag("-q,--quiet", cmd.common.quiet, "No warnings on stderr");
    b->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
