// Headless subcommands: layers, dump, grid, sweep, targets.
#include "cli/cli.hpp"
#include "core/model/precision.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/output_set.hpp"
#include "core/render/colormap.hpp"
#include "core/unit/gram.hpp"
#include "core/base/interrupt.hpp"
#include "core/base/limits.hpp"
#include "core/render/mosaic.hpp"
#include "core/io/npy.hpp"
#include "core/base/parse.hpp"
#include "core/pipeline/source.hpp"
#include "record/sweep.hpp"

#include <opencv2/core/cuda.hpp>
#include <opencv2/core/utility.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

namespace fs = std::filesystem;

namespace cnnscope::cli {

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string withThousands(int64_t v) {
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
    return s;
}

// A file name for a layer (layer names may contain '/').
std::string fileSafe(std::string s) {
    for (char& c : s)
        if (c == '/' || c == '\\' || c == ':' || c == ' ') c = '_';
    return s;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] layers

struct LayersCmd {
    CommonOptions common;
    int run() {
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        const auto& pre = model->preprocessing();
        std::printf("Model: %s\nWeights: %s\nInput: %dx%d (WxH), target %s\n", model->label().c_str(), model->source().c_str(),
                    pre.size.width, pre.size.height, targetLabel(model->target()).c_str());
        if (!model->target().check.empty()) std::printf("Target: %s\n", model->target().check.c_str());
        std::printf("\n");
        std::printf("%-24s %-14s %-22s %12s %8s %7s  %s\n", "Layer", "Type", "Output Shape", "Param #", "RF", "Stride", "Conv kernel");
        std::printf("%s\n", std::string(92, '=').c_str());
        // One forward of a black frame to the deepest map, so the kernels below are what ran.
        const auto spatial = model->spatialLayerNames();
        cv::Mat probe;
        if (!spatial.empty()) (void)model->forward(cv::Mat(pre.size, CV_8UC3, cv::Scalar::all(0)), spatial.back(), probe);
        const ConvReport conv = model->convReport();
        for (const auto& l : model->layers()) {
            const std::string shape = l.shape.empty() ? "?" : "(None, " + shapeText(l.shape).substr(1);
            std::string kernel;
            for (const auto& c : conv.layers)
                if (c.name == l.name) kernel = describe(c);
            std::printf("%-24s %-14s %-22s %12s %8d %7d  %s\n", l.name.c_str(), l.type.c_str(), shape.c_str(),
                        withThousands(l.params).c_str(), l.receptiveField, l.stride, kernel.c_str());
        }
        std::printf("%s\n", std::string(92, '=').c_str());
        std::printf("Total params: %s\n", withThousands(totalParams(model->layers())).c_str());
        std::printf("Output shapes are (batch, channels, height, width); RF = receptive field on the input, in pixels.\n");
        std::printf("Convolutions: %s\n", conv.summary.c_str());
        std::printf("Engine: %s (--precision %s; one forward of a black frame at %dx%d)\n", model->engine().c_str(),
                    precisionName(requestedPrecision()), pre.size.width, pre.size.height);
        return 0;
    }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] dump

struct DumpCmd {
    CommonOptions common;
    std::string source, layer, out, gram;
    int64_t frame = 0;
    int run() {
        if (!endsWith(lower(out), ".npy")) return fail("--out must name a .npy file, got '" + out + "'");
        setExactOutputs(true);  // exported numbers: --precision auto means f32
        if (!gram.empty() && !endsWith(lower(gram), ".npy")) return fail("--gram must name a .npy file, got '" + gram + "'");
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (auto l = model->requireSpatialLayer(layer); !l) return fail(l.error());
        auto style = loadStyle(common);
        if (!style) return fail(style.error());
        std::vector<OutputPath> outs = {{"--out", out}};
        if (!gram.empty()) outs.push_back({"--gram", gram});
        if (auto st = checkRunOutputs(common, source, outs, *model, *style); !st)
            return fail(st.error());
        cv::Mat image, act;
        if (auto st = readStylisedFrame(source, frame, *style, image); !st) return fail(st.error());
        const auto t0 = std::chrono::steady_clock::now();
        if (auto st = model->forward(image, layer, act); !st) return fail(st.error());
        const double ms = msSince(t0);
        if (!gram.empty()) {
            cv::Mat g;
            if (auto st = gramMatrix(act, g); !st) return fail(st.error());
            if (auto st = writeNpy(gram, g); !st) return fail(st.error());
        }
        if (auto st = writeNpy(out, act); !st) return fail(st.error());
        if (!common.quiet)
            std::fprintf(stderr, "dump: %s %s -> %s (forward %.1f ms)\n", layer.c_str(),
                         shapeText(std::vector<int>(act.size.p, act.size.p + act.dims)).c_str(), out.c_str(), ms);
        return 0;
    }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] grid

// The mosaic's size from the layer shapes, refused before anything is allocated.
Status checkGridMemory(const Model& model, const std::vector<std::string>& layers, int tiles, int tileSide, bool all) {
    for (const auto& l : layers) {
        const LayerInfo* info = model.find(l);
        const int C = info->channels(), side = std::max(info->shape[1], info->shape[2]);
        const int tile = tileSide > 0 ? tileSide : side * std::max(1, (kMinTileSide + side - 1) / side);
        const int cols = all ? int(std::ceil(std::sqrt(double(C)))) : tiles;
        const double px = double(cols) * (tile + 2) * double(cols) * (tile + 2);
        if (auto st = checkMemory("a " + std::to_string(cols) + "x" + std::to_string(cols) + " grid of " + std::to_string(tile) +
                                      " px tiles of " + l + " (" + std::to_string(int64_t(std::sqrt(px))) + " px square)",
                                  px * (3 * 3 + 4));
            !st)
            return st;
    }
    return {};
}

struct GridCmd {
    CommonOptions common;
    std::string source, out;
    std::vector<std::string> layers;
    int tiles = kDefaultTiles;
    int page = 0;
    bool all = false;
    int tileSide = 0;
    bool noLabels = false;
    std::string caption = "none";
    int64_t frame = 0;

    int run() {
        auto display = parseDisplay(common);
        if (!display) return fail(display.error());
        auto captionStyle = parseCaptionStyle(caption);
        if (!captionStyle) return fail(captionStyle.error());
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (layers.empty()) layers = model->articleLayers();
        if (layers.empty())
            return fail("model '" + model->source() + "' has no convolution layers, so there is no article set to draw: "
                        "name the layers with --layer (see `cnnscope layers`)");
        for (const auto& l : layers)
            if (auto ok = model->requireSpatialLayer(l); !ok) return fail(ok.error());
        if (auto st = checkGridMemory(*model, layers, tiles, tileSide, all); !st) return fail(st.error());
        // --out F.png (one layer) is a file; anything else, with or without a trailing '/', a folder
        // (made if new) that receives LAYER.png files.
        const bool singleFile = layers.size() == 1 && endsWith(lower(out), ".png");
        if (!singleFile && endsWith(lower(out), ".png"))
            return fail("--out '" + out + "' is a .png but " + std::to_string(layers.size()) + " layers were asked for; give a directory");
        auto style = loadStyle(common);
        if (!style) return fail(style.error());
        std::vector<OutputPath> outs;
        std::error_code ec;
        if (singleFile) {
            outs.push_back({"--out", out});
        } else if (fs::exists(out, ec)) {
            if (!fs::is_directory(out, ec)) return fail("--out '" + out + "' exists and is not a directory; give a folder for the grids");
            for (const auto& l : layers) outs.push_back({"--out", (fs::path(out) / (fileSafe(l) + ".png")).string()});
        }
        if (auto st = checkRunOutputs(common, source, outs, *model, *style); !st)
            return fail(st.error());
        cv::Mat image;
        if (auto st = readStylisedFrame(source, frame, *style, image); !st) return fail(st.error());
        std::vector<cv::Mat> acts;
        const auto t0 = std::chrono::steady_clock::now();
        if (auto st = model->forward(image, layers, acts); !st) return fail(st.error());
        const double forwardMs = msSince(t0);
        // The grids of the run as a whole: renamed into place once all are written (a folder this
        // run creates goes again if it fails; grids of other layers already there stay).
        std::optional<OutputFolder> folder;
        OutputBatch single;
        if (!singleFile) {
            auto f = OutputFolder::open(out, "--out", false);
            if (!f) return fail(f.error());
            folder.emplace(std::move(*f));
        }

        Progress progress("grid", int(layers.size()), common.quiet);
        MosaicScratch scratch;
        cv::Mat mosaic;
        const auto t1 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < layers.size(); ++i) {
            if (interrupted()) return fail("interrupted; no grid was written");
            const int C = acts[i].size[1];
            MosaicOptions mo;
            mo.cols = mo.rows = tiles;
            mo.page = page;
            mo.norm = display->norm;
            mo.colormap = display->colormap;
            mo.tileSide = tileSide;
            mo.labels = !noLabels;
            if (all) mo = allChannels(C, mo);
            if (mo.page >= pageCount(C, mo))
                return fail("--page " + std::to_string(page) + " is past the last page of " + layers[i] + " (" +
                            std::to_string(pageCount(C, mo)) + " pages of " + std::to_string(mo.cols * mo.rows) + ")");
            renderMosaic(acts[i], mo, mosaic, scratch);
            const int first = mo.page * mo.cols * mo.rows;
            const int last = std::min(C, first + mo.cols * mo.rows) - 1;
            const cv::Mat image8 = captioned(mosaic, *captionStyle,
                                             pipelineLabel(*model, *style) + " | " + layers[i] + " | channels " + std::to_string(first) +
                                                 "-" + std::to_string(last) + " of " + std::to_string(C) + " | frame " +
                                                 std::to_string(frame),
                                             displayFacts(display->colormap, display->norm));
            const std::string path = singleFile ? out : (fs::path(out) / (fileSafe(layers[i]) + ".png")).string();
            if (auto st = singleFile ? single.addImage(out, image8, "--out") : folder->addImage(fileSafe(layers[i]) + ".png", image8); !st)
                return fail(st.error());
            progress.step(int(i + 1), layers[i] + " -> " + path);
        }
        if (auto st = singleFile ? single.commit() : folder->commit(); !st) return fail(st.error());
        progress.done(cv::format("%zu grid(s) from frame %lld: forward %.1f ms, render+write %.1f ms", layers.size(),
                                 (long long)frame, forwardMs, msSince(t1)));
        return 0;
    }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] sweep

struct SweepCmd {
    CommonOptions common;
    std::string source, layer, out, displaySize = "448x448", caption = "short";
    int delayMs = 150;
    int64_t frame = 0;

    int run() {
        auto display = parseDisplay(common);
        if (!display) return fail(display.error());
        auto size = parseSize(displaySize, 16, 4096);
        if (!size) return fail("--size: " + size.error());
        auto captionStyle = parseCaptionStyle(caption);
        if (!captionStyle) return fail(captionStyle.error());
        if (!endsWith(lower(out), ".gif")) return fail("--out must name a .gif file, got '" + out + "'");
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (auto l = model->requireSpatialLayer(layer); !l) return fail(l.error());
        auto style = loadStyle(common);
        if (!style) return fail(style.error());
        if (auto st = checkRunOutputs(common, source, {{"--out", out}}, *model, *style); !st)
            return fail(st.error());
        cv::Mat image, act;
        if (auto st = readStylisedFrame(source, frame, *style, image); !st) return fail(st.error());
        if (auto st = model->forward(image, layer, act); !st) return fail(st.error());
        const int C = act.size[1];
        Progress progress("sweep", C, common.quiet);
        SweepOptions o;
        o.modelLabel = pipelineLabel(*model, *style);
        o.frameIndex = frame;
        o.size = *size;
        o.delayMs = delayMs;
        o.colormap = display->colormap;
        o.norm = display->norm;
        o.caption = *captionStyle;
        o.progress = [&](int done, int) { progress.step(done, layer + " channel " + std::to_string(done - 1)); };
        const auto t0 = std::chrono::steady_clock::now();
        if (auto st = writeSweepGif(out, channelSweep(act, layer), o); !st) return fail(st.error());
        progress.done(cv::format("%d frames -> %s (%.1f ms per frame)", C, out.c_str(), msSince(t0) / C));
        return 0;
    }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] targets

void printOpenClDevices() {
    const char* pick = std::getenv("OPENCV_OPENCL_DEVICE");
    const auto devices = openClDevices();
    std::printf("OpenCL devices: %zu found (OPENCV_OPENCL_DEVICE=%s)\n", devices.size(),
                pick ? ("'" + std::string(pick) + "'").c_str() : "unset: OpenCV takes a GPU only");
    bool used = false;
    for (const auto& d : devices) {
        std::printf("  %s %s (%s, %s, %s)%s\n", d.used ? "*" : "-", d.name.c_str(), d.platform.c_str(), d.type.c_str(),
                    d.version.c_str(), d.used ? "  <- --target opencl runs here" : "");
        used = used || d.used;
    }
    if (!used)
        std::printf("  %s\n", devices.empty() ? "no OpenCL runtime or device (install your GPU's OpenCL ICD, or pocl-opencl-icd for the CPU)"
                                               : "none of them is used: pick one with --opencl-device");
    std::printf("pick a device with --opencl-device PLATFORM:TYPE:DEVICE (or OPENCV_OPENCL_DEVICE), e.g. ':GPU:1', ':CPU:', "
                "'NVIDIA CUDA::'; any vendor runs (OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES=%s), and a model on it is checked "
                "against the cpu when the target is chosen\n",
                std::getenv("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES") ? std::getenv("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES") : "unset");
}

void printPrecision() {
    const std::string isa = bf16IsaOnThisCpu();
    const PrecisionChoice pc = currentPrecision();
    std::printf("cpu precision: --precision %s runs %s%s; bf16 units: %s\n", precisionName(requestedPrecision()),
                precisionName(pc.actual), pc.note.empty() ? "" : (" (" + pc.note + ")").c_str(),
                isa.empty() ? "none" : isa == "amx_bf16" ? "AMX-BF16 (auto takes bf16 for pictures and the window)"
                                                         : "AVX512-BF16 without AMX (auto stays f32: bf16 measured slower here, bench/precision.sh)");
    if (oneDnnBuilt())
        std::printf("cpu executor: plain chains (convolution with its ReLU, max pooling, ReLU, dense, flatten) run in oneDNN, "
                    "data kept in its layout between layers; `cnnscope layers` shows what ran per layer\n");
}

int runTargets(const std::string& conv, const std::string& precision) {
    if (auto st = applyConvOption(conv); !st) return fail(st.error());
    if (auto st = applyPrecisionOption(precision); !st) return fail(st.error());
    const auto avail = availableTargets();
    std::printf("%-12s %-10s %s\n", "target", "offered", "what");
    for (const auto& e : targetTable()) {
        const bool ok = std::find(avail.begin(), avail.end(), e.name) != avail.end();
        std::string what = e.summary;
        if (ok) {
            auto c = chooseTarget(e.name);
            if (c && c->actual != c->requested) what += " -- " + c->note;
        }
        std::printf("%-12s %-10s %s\n", e.name, ok ? "yes" : "no", what.c_str());
    }
    std::printf("OpenCV %s, %d threads\n", CV_VERSION, cv::getNumThreads());
    printOpenClDevices();
    const int cudaDevices = cv::cuda::getCudaEnabledDeviceCount();
    std::printf("CUDA: %s\n", cudaDevices > 0 ? (std::to_string(cudaDevices) + " device(s) for --target cuda").c_str()
                               : cudaDevices < 0 ? "OpenCV was built with CUDA but no driver or device answers"
                                                 : "this OpenCV has no CUDA (Debian's has none; README: GPU targets)");
    if (oneDnnBuilt()) {
        std::printf("cpu convolutions: --conv %s: %s\n", convModeName(convMode()),
                    convMode() == ConvMode::OpenCV ? "OpenCV's own kernel"
                    : convMode() == ConvMode::Auto
                        ? "oneDNN Winograd for 3x3 stride-1 layers with 16+ input channels, oneDNN direct otherwise"
                        : convMode() == ConvMode::Winograd ? "oneDNN Winograd where it has one, oneDNN direct otherwise"
                                                           : "oneDNN direct");
        if (!winogradOnThisCpu()) std::printf("cpu convolutions: %s: Winograd requests run oneDNN direct\n", kNoWinogradOnCpu);
    } else {
        std::printf("cpu convolutions: OpenCV's own kernel (built without oneDNN)\n");
    }
    printPrecision();
    std::printf("other targets: OpenCV's own layers; layers oneDNN does not take (groups, dilation, asymmetric pads) stay on OpenCV's on the cpu too\n");
    return 0;
}

}  // namespace

void registerCommands(CLI::App& app, std::function<int()>& action) {
    static LayersCmd layersCmd;
    static DumpCmd dumpCmd;
    static GridCmd gridCmd;
    static SweepCmd sweepCmd;

    auto* layers = app.add_subcommand("layers", "Print the layer table: name, type, output shape, params, receptive field");
    addModelOptions(*layers, layersCmd.common);
    layers->callback([&] { action = [] { return layersCmd.run(); }; });

    auto* dump = app.add_subcommand("dump", "Write one layer's activations of one frame as float32 .npy, shape (1, C, H, W)");
    dump->add_option("SOURCE", dumpCmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    dump->add_option("--layer", dumpCmd.layer, "Layer name (see `cnnscope layers`)")->required();
    dump->add_option("--out", dumpCmd.out, "Output .npy file")->required();
    dump->add_option("--frame", dumpCmd.frame, kFrameHelp)->default_val(0)->check(CLI::NonNegativeNumber);
    dump->add_option("--gram", dumpCmd.gram, "Also write the layer's Gram matrix (C, C) as .npy (what style transfer matches)");
    addModelOptions(*dump, dumpCmd.common);
    addStyleOptions(*dump, dumpCmd.common);
    dump->callback([&] { action = [] { return dumpCmd.run(); }; });

    auto* grid = app.add_subcommand("grid", "Write 8x8 'hot' feature-map grids as PNG (default: the article's layers, "
                                            "first and last conv of each block)");
    grid->add_option("SOURCE", gridCmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    grid->add_option("--out", gridCmd.out, "Output directory (one LAYER.png per layer), or a .png file for one layer")->required();
    grid->add_option("--layer", gridCmd.layers, "Layer(s) to draw; repeatable (default: first and last conv of each block; needed for a model without conv layers)");
    grid->add_option("--tiles", gridCmd.tiles, "Grid: tiles per side, N gives an NxN grid of channels")->default_val(kDefaultTiles);
    grid->add_option("--page", gridCmd.page, "Grid: which page of tiles*tiles channels (0 = channels 0..N*N-1)")->default_val(0);
    grid->add_flag("--all", gridCmd.all, "Grid: every channel at once, in one near-square grid instead of a page");
    grid->add_option("--tile-size", gridCmd.tileSide,
                     "A tile's side in pixels (default: the map's size, enlarged by a whole factor to at least 112)");
    grid->add_flag("--no-labels", gridCmd.noLabels, "No channel numbers on the tiles");
    addCaptionOption(*grid, gridCmd.caption, "none", "each grid");
    grid->add_option("--frame", gridCmd.frame, kFrameHelp)->default_val(0)->check(CLI::NonNegativeNumber);
    addModelOptions(*grid, gridCmd.common);
    addDisplayOptions(*grid, gridCmd.common);
    addStyleOptions(*grid, gridCmd.common);
    grid->callback([&] { action = [] { return gridCmd.run(); }; });

    auto* sweep = app.add_subcommand("sweep", "Write a GIF with one frame per channel of a layer (the article's block1_conv1 GIF)");
    sweep->add_option("SOURCE", sweepCmd.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL")->required();
    sweep->add_option("--layer", sweepCmd.layer, "Layer name (see `cnnscope layers`)")->required();
    sweep->add_option("--out", sweepCmd.out, "Output .gif file")->required();
    sweep->add_option("--size", sweepCmd.displaySize, "Size of each map in the GIF, WxH (the caption, if any, is added below)")
        ->default_val("448x448");
    sweep->add_option("--delay-ms", sweepCmd.delayMs, "Time each channel is shown, in milliseconds")->default_val(150);
    addCaptionOption(*sweep, sweepCmd.caption, "short", "each frame");
    sweep->add_option("--frame", sweepCmd.frame, kFrameHelp)->default_val(0)->check(CLI::NonNegativeNumber);
    addModelOptions(*sweep, sweepCmd.common);
    addDisplayOptions(*sweep, sweepCmd.common);
    addStyleOptions(*sweep, sweepCmd.common);
    sweep->callback([&] { action = [] { return sweepCmd.run(); }; });

    registerRecord(app, action);
    registerBench(app, action);
    registerStyle(app, action);
    registerAtlas(app, action);
    registerCompareModels(app, action);
    registerTopk(app, action);
    registerBackprop(app, action);
    registerTransfer(app, action);
    registerFetch(app, action);
    registerFeatvis(app, action);
    registerClassify(app, action);
    registerChannels(app, action);
    registerCam(app, action);
    registerAttribute(app, action);
    registerOptions(app, action);

    auto* targets = app.add_subcommand("targets", "List compute targets and which this OpenCV build and machine offer");
    static std::string targetsConv = "auto", targetsPrecision;
    addConvOption(*targets, targetsConv);
    addPrecisionOption(*targets, targetsPrecision);
    targets->callback([&] { action = [] { return runTargets(targetsConv, targetsPrecision); }; });
}

}  // namespace cnnscope::cli
