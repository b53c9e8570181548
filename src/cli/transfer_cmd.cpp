// Headless `transfer`: Gatys et al. style transfer through the model itself, as a PNG of the
// result or a GIF of the image every K iterations, captioned, with the losses as JSON.
#include "cli/cli.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/image_header.hpp"
#include "core/io/output_set.hpp"
#include "core/base/interrupt.hpp"
#include "core/render/mosaic.hpp"
#include "core/base/parse.hpp"
#include "core/unit/transfer.hpp"
#include "record/sink.hpp"

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cmath>
#include <sstream>

namespace cnnscope::cli {

namespace {

std::vector<std::string> splitList(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string jsonNumbers(const std::vector<double>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + jsonNumber(v[i]);
    return s + "]";
}

// content, style and tv are the unweighted L_c, L_s and TV; the *_term fields are alpha L_c, beta
// L_s and tv TV, which add up to the total. `final`: the result (the image after the last update),
// where the others are each iteration's image before its update.
std::string jsonLosses(const TransferLosses& l, const TransferOptions& o, bool final) {
    return "{\"iteration\": " + std::to_string(l.iteration) + (final ? ", \"final\": true" : "") + ", \"total\": " + jsonNumber(l.total) +
           ", \"content_term\": " + jsonNumber(o.alpha * l.content) + ", \"style_term\": " + jsonNumber(o.beta * l.style) +
           ", \"tv_term\": " + jsonNumber(o.tv * l.tv) + ", \"content\": " +
           jsonNumber(l.content) + ", \"style\": " + jsonNumber(l.style) + ", \"tv\": " + jsonNumber(l.tv) +
           ", \"style_layers\": " + jsonNumbers(l.styleLayer) + ", \"gram_distance\": " + jsonNumbers(l.gramDistance) +
           ", \"forward_ms\": " + jsonNumber(l.forwardMs, 6) + ", \"backward_ms\": " + jsonNumber(l.backwardMs, 6) + "}";
}

struct TransferCmd {
    CommonOptions common;
    std::string content, styleImage, out, size, contentLayer, styleLayers, json, init, caption = "full";
    int iterations = 100, every = 5, delayMs = 100;
    TransferOptions opts;
    CaptionStyle captionStyle = CaptionStyle::Full;

    std::string jsonDoc(const Model& model, cv::Size work, const std::vector<TransferLosses>& history, bool stopped) const {
        std::string doc = "{\n  \"model\": \"" + jsonEscape(model.label()) + "\", \"untrained\": " + (model.untrained() ? "true" : "false") +
                          ",\n  \"content\": \"" + jsonEscape(content) + "\", \"style_image\": \"" + jsonEscape(styleImage) + "\"" +
                          cv::format(",\n  \"size\": [%d, %d]", work.width, work.height) + ", \"alpha\": " + jsonNumber(opts.alpha) +
                          ", \"beta\": " + jsonNumber(opts.beta) + ", \"tv\": " + jsonNumber(opts.tv) +
                          ", \"lr\": " + jsonNumber(opts.learningRate) +
                          ",\n  \"content_layer\": \"" + jsonEscape(opts.contentLayer) + "\", \"style_layers\": [";
        for (size_t i = 0; i < opts.styleLayers.size(); ++i) doc += (i ? ", \"" : "\"") + jsonEscape(opts.styleLayers[i]) + "\"";
        doc += std::string("],\n  \"stopped\": ") + (stopped ? "true" : "false") + ",\n  \"iterations\": [\n";
        for (size_t i = 0; i < history.size(); ++i)
            doc += "    " + jsonLosses(history[i], opts, i + 1 == history.size()) + (i + 1 < history.size() ? ",\n" : "\n");
        doc += "  ],\n  \"final_loss\": " + jsonNumber(history.back().total) +
               ",\n  \"note\": \"each entry's losses are those of the image before that iteration's update; the last (final) "
               "entry is the result, after the last update. content, style and tv are unweighted; content_term, style_term and "
               "tv_term (alpha, beta and tv times them) add up to total\"\n}\n";
        return doc;
    }

    Status checkOptions() {
        const std::string o = lower(out);
        if (!endsWith(o, ".gif") && !endsWith(o, ".png")) return Error{"--out must name a .png or .gif file, got '" + out + "'"};
        if (!json.empty() && !endsWith(lower(json), ".json")) return Error{"--json must name a .json file, got '" + json + "'"};
        auto style = parseCaptionStyle(caption);
        if (!style) return Error{style.error()};
        captionStyle = *style;
        if (iterations < 1 || iterations > 100000) return Error{"--iterations must be between 1 and 100000"};
        if (every < 1) return Error{"--every must be >= 1"};
        if (opts.alpha < 0 || opts.beta < 0 || opts.tv < 0) return Error{"--alpha, --beta and --tv must be >= 0"};
        if (!(opts.learningRate > 0)) return Error{"--lr must be > 0"};
        if (!common.inputSize.empty()) return Error{"transfer works at --size WxH; --input-size does not apply"};
        if (!contentLayer.empty()) opts.contentLayer = contentLayer;
        if (!styleLayers.empty()) opts.styleLayers = splitList(styleLayers);
        if (opts.styleLayers.empty()) return Error{"--style-layers needs at least one layer name"};
        return {};
    }

    int run() {
        if (auto st = checkOptions(); !st) return fail(st.error());
        const bool gif = endsWith(lower(out), ".gif");
        // The header first: a decompression bomb is refused before it is decoded (--max-pixels).
        auto read = [](const std::string& path, const std::string& what, cv::Mat& image) -> Status {
            if (auto st = checkImageFileHeader(path); !st) return Error{what + ": " + st.error()};
            image = cv::imread(path, cv::IMREAD_COLOR);
            if (image.empty()) return Error{"cannot read " + what + " '" + path + "' (give a PNG, JPEG or BMP file)"};
            return {};
        };
        cv::Mat contentImage, style, initImage;
        if (auto st = read(content, "content image", contentImage); !st) return fail(st.error());
        if (auto st = read(styleImage, "--style-image", style); !st) return fail(st.error());
        if (!init.empty())
            if (auto st = read(init, "--init image", initImage); !st) return fail(st.error());
        auto work = transferSize(size, contentImage.size());
        if (!work) return fail("--size: " + work.error());
        auto model = loadModel(common);
        if (!model) return fail(model.error());
        if (auto st = model->setInputSize(*work); !st) return fail("--size: " + st.error());
        std::vector<OutputPath> outs = {{"--out", out}};
        if (!json.empty()) outs.push_back({"--json", json});
        if (auto st = checkRunOutputs(common, content, outs, &*model, nullptr, {{"--style-image", styleImage}, {"--init", init}}); !st)
            return fail(st.error());
        auto t = StyleTransfer::create(*model, contentImage, style, *work, opts, initImage);
        if (!t) return fail(t.error());
        const std::string label = pipelineLabel(*model, std::string());

        std::unique_ptr<FrameSink> sink;
        cv::Mat frame;
        auto caption = [&](const TransferLosses& l) {
            t->image(frame);
            // Two strips, so that small images still show the whole of both lines.
            return captioned(frame, captionStyle, cv::format("iteration %d/%d | loss %.4g", l.iteration, iterations, l.total),
                             label + " | Gatys transfer | alpha " + jsonNumber(opts.alpha) + " | beta " + jsonNumber(opts.beta) +
                                 " | tv " + jsonNumber(opts.tv));
        };
        auto emit = [&](const TransferLosses& l, int delay) -> Status {
            cv::Mat shown = caption(l);
            if (!sink) {
                auto s = openSink(out, shown.size(), 1000.0 / delay);
                if (!s) return Error{s.error()};
                sink = std::move(*s);
            }
            return sink->write(shown, delay);
        };

        Progress progress("transfer", iterations, common.quiet);
        std::vector<TransferLosses> history;
        const auto t0 = std::chrono::steady_clock::now();
        bool stopped = false;
        for (int i = 0; i < iterations; ++i) {
            if (interrupted()) {
                stopped = true;
                break;
            }
            if (auto st = t->step(); !st) return fail(st.error());
            history.push_back(t->losses());
            if (gif && i % every == 0)
                if (auto st = emit(t->losses(), delayMs); !st) return fail(st.error());
            // The rate and the time left are the progress line's own; the terms are weighted, so they add up.
            const TransferLosses& l = t->losses();
            progress.step(i + 1, cv::format("loss %.4g = content %.3g + style %.3g + tv %.3g (weighted terms)", l.total,
                                            opts.alpha * l.content, opts.beta * l.style, opts.tv * l.tv));
        }
        if (auto st = t->evaluate(); !st) return fail(st.error());
        history.push_back(t->losses());
        // --out and --json as a whole: the JSON is written before the image is finished and both
        // are renamed into place only when both are complete.
        OutputBatch batch;
        if (!json.empty())
            if (auto st = batch.addText(json, jsonDoc(*model, *work, history, stopped), "--json"); !st) return fail(st.error());
        if (gif) {
            if (auto st = emit(t->losses(), 1500); !st) return fail(st.error());
            if (auto st = sink->finish(); !st) return fail(st.error());
        } else {
            if (auto st = batch.addImage(out, caption(t->losses()), "--out"); !st) return fail(st.error());
        }
        if (auto st = batch.commit(); !st) return fail(st.error());
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        progress.done(cv::format("%d iterations at %dx%d -> %s, loss %.4g at the start -> %.4g for the result (after the last "
                                 "update; %.2f it/s)%s",
                                 t->iteration(), work->width, work->height, out.c_str(), history.front().total, history.back().total,
                                 t->iteration() / secs,
                                 stopped ? " (stopped by signal; the file is complete)" : ""));
        return stopped ? 130 : 0;
    }
};

}  // namespace

void registerTransfer(CLI::App& app, std::function<int()>& action) {
    static TransferCmd cmd;
    const TransferOptions d;
    auto* c = app.add_subcommand(
        "transfer",
        "Style transfer as Gatys et al.: optimise the content image's pixels (Adam, clamped to valid pixels) so that the "
        "model's features at the content layer stay close (L_c = 1/2 sum (F-P)^2) while the Gram matrices G = F F^T of the "
        "style layers approach the style image's (L_s = sum_l w_l/(4 C^2 M^2) sum (G-A)^2, w_l = 1/#layers); total = alpha "
        "L_c + beta L_s + tv TV, TV = sum of squared differences of neighbouring input pixels. Gradients go back through "
        "the network itself (conv, ReLU, max pool). Works with the untrained VGG19 too (captions say so)");
    c->add_option("CONTENT", cmd.content, "Content image (PNG, JPEG, ...)")->required();
    c->add_option("--style-image", cmd.styleImage, "Style image (resized to the working size)")->required();
    c->add_option("--out", cmd.out, "F.png: the result; F.gif: the image every --every iterations (captioned as --caption says)")->required();
    c->add_option("--init", cmd.init, "Start from this image (resized to the working size) instead of the content image");
    c->add_option("--iterations", cmd.iterations, "Adam iterations")->default_val(100);
    c->add_option("--size", cmd.size, "Working size WxH, the size of the result (default: the content image scaled to 256 on its longer side)");
    c->add_option("--content-layer", cmd.contentLayer, "Content layer")->default_str(d.contentLayer);
    std::string styles;
    for (const auto& l : d.styleLayers) styles += (styles.empty() ? "" : ",") + l;
    c->add_option("--style-layers", cmd.styleLayers, "Style layers, comma-separated, equal weights")->default_str(styles);
    c->add_option("--alpha", cmd.opts.alpha, "Content weight")->default_val(d.alpha);
    c->add_option("--beta", cmd.opts.beta, "Style weight")->default_val(d.beta);
    c->add_option("--tv", cmd.opts.tv, "Total-variation weight")->default_val(d.tv);
    c->add_option("--lr", cmd.opts.learningRate, "Adam step size in preprocessed-input units (pixel levels for VGG)")
        ->default_val(d.learningRate);
    c->add_option("--every", cmd.every, "GIF: one frame every K iterations (plus the last)")->default_val(5);
    c->add_option("--delay-ms", cmd.delayMs, "GIF: frame delay, in milliseconds")->default_val(100);
    addCaptionOption(*c, cmd.caption, "full", "the result", "short (iteration | loss) or full (also model | alpha | beta | tv)");
    c->add_option("--json", cmd.json, "Losses per iteration (total; content, style and tv unweighted and as weighted terms that add "
                                      "up to the total; per style layer; Gram distance; ms) and the result's as final_loss");
    addModelOptions(*c, cmd.common);
    c->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
