// Numeric option ranges: one table for every command (and the window), checked at parse time.
#include "cli/cli.hpp"

#include <cmath>
#include <cstdlib>

namespace cnnscope::cli {

namespace {

struct Range {
    const char* key;  // "--name", or "command:--name" where a command's meaning differs
    double lo, hi;
};

// Integers and reals alike; NaN and infinities never pass.
const Range kRanges[] = {
    {"--frame", 0, 1e9},
    {"--frames", 0, 1e9},          // record, stylize, view: 0 = to the end (live: until stopped)
    {"bench:--frames", 1, 100000},
    {"--warmup", 0, 1000},
    {"--threads", 1, 256},
    {"--start", 0, 1e9},
    {"--fps", 0.1, 100},
    {"--tiles", 1, 32},  // every command's grid: kDefaultTiles by default
    {"--page", 0, 1e6},
    {"--channel", 0, 65535},       // then checked against the layer's channel count
    {"--tile-size", 1, 2048},
    {"--delay-ms", 20, 60000},
    {"transfer:--delay-ms", 20, 10000},
    {"--history-mb", 16, 65536},
    {"--max-pixels", 1024, 17179869184.0},
    {"--gamma", 0.05, 20},
    {"--column", 64, 4096},
    // transfer: weights and steps past these overflow float32 in the loss or its gradient
    {"--alpha", 0, 1e6},
    {"--beta", 0, 1e9},
    {"--tv", 0, 1e6},
    {"--lr", 1e-6, 1000},
    {"--iterations", 1, 100000},
    {"--every", 1, 1000000},
    {"--transfer-iterations", 1, 100000},
    {"--featvis-iterations", 1, 100000},
    // topk
    {"--k", 1, 64},
    {"topk:--tile-size", 16, 256},
    {"--thumb", 16, 256},
    // atlas
    {"atlas:--tile-size", 4, 128},
    {"--tile", 4, 128},
    {"--columns", 1, 1024},
    {"--repeat", 1, 10000},  // backprop timing
    // featvis
    {"--seed", 0, 4294967295.0},
    {"--against-frames", 1, 100000},
    {"--decay", 0, 4},
    {"--diversity", 1, 8},
    {"--diversity-weight", 0, 1e6},
    // classify, cam: then checked against the model's class count
    {"--top", 1, 100000},
    {"channels:--top", 0, 1000000},  // rows; 0: all
    {"--class", 0, 1e6},
    // cam: scorecam/occlusion batches; occlusion's patch (then checked against the input size)
    {"--batch", 1, 256},
    {"--patch", 1, 4096},
    {"--stride", 1, 4096},
};

// Whole numbers as written ("60000", "1000000000"), others as %g.
std::string number(double v) {
    char buf[40];
    if (v == std::floor(v) && std::fabs(v) < 1e18) std::snprintf(buf, sizeof buf, "%lld", (long long)v);
    else std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

CLI::Option* ranged(CLI::Option* opt, const std::string& command) {
    const std::string name = opt->get_name(false, true).substr(0, opt->get_name(false, true).find(','));
    const Range* r = nullptr;
    for (const Range& e : kRanges)
        if (command + ":" + name == e.key) r = &e;
    if (!r)
        for (const Range& e : kRanges)
            if (name == e.key) r = &e;
    if (!r) {
        // A number without an entry of its own is still refused when it is NaN or infinite.
        const std::string type = opt->get_type_name();
        if (type.rfind("FLOAT", 0) != 0 && type.rfind("INT", 0) != 0 && type.rfind("UINT", 0) != 0 && type.rfind("NUMBER", 0) != 0)
            return opt;
        opt->check(CLI::Validator(
            [](std::string& text) -> std::string {
                char* end = nullptr;
                const double v = std::strtod(text.c_str(), &end);
                if (end != text.c_str() && !std::isfinite(v)) return "must be a finite number, got '" + text + "'";
                return {};
            },
            ""));
        return opt;
    }
    const double lo = r->lo, hi = r->hi;
    opt->check(CLI::Validator(
        [name, lo, hi](std::string& text) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (text.empty() || end == text.c_str() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi)
                return "must be a number from " + number(lo) + " to " + number(hi) + ", got '" + text + "'";
            return {};
        },
        ""));
    noteRange(opt, number(lo) + ".." + number(hi));
    return opt;
}

void applyRanges(CLI::App& app) {
    applyVocabulary(app);
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
        for (CLI::Option* opt : sub->get_options()) ranged(opt, sub->get_name());
    for (CLI::Option* opt : app.get_options()) ranged(opt);
    quietAllValidators(app);
}

}  // namespace cnnscope::cli
