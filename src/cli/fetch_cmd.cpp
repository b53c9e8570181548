// `cnnscope fetch`: downloads weights listed in models.yml, checksum-checked, placed atomically.
#include "cli/cli.hpp"

#include "core/base/interrupt.hpp"
#include "core/model/model_zoo.hpp"
#include "fetch/model_fetch.hpp"

#include <opencv2/core.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;

namespace cnnscope::cli {

namespace {

struct FetchCmd {
    std::vector<std::string> names;
    bool list = false, styles = false, quiet = false;
    std::string dir;
    long stallSeconds = 0, connectSeconds = 0;

    static std::string checksumText(const ZooEntry& e) {
        if (!e.sha256.empty()) return "sha256:" + e.sha256;
        if (!e.sha1.empty()) return "sha1:" + e.sha1;
        if (!e.md5.empty()) return "md5:" + e.md5;
        return "(no checksum recorded)";
    }

    int runList(const std::vector<ZooEntry>& zoo) const {
        std::printf("%-16s %-6s %-52s %s\n", "name", "kind", "file", "checksum");
        for (const ZooEntry& e : zoo) {
            auto plan = fetchPlan(e, dir);
            std::string where;
            if (plan) {
                const std::string found = findVerifiedCopy(plan->front());
                if (!found.empty()) where = "  (have: " + found + ")";
            }
            std::printf("%-16s %-6s %-52s %s%s\n", e.name.c_str(), e.style() ? "style" : "model", e.file.c_str(),
                        checksumText(e).c_str(), where.c_str());
        }
        std::printf("downloads go to %s\n", (dir.empty() ? userModelsDir() : dir).c_str());
        return 0;
    }

    // One file: skipped when a verified copy exists, else downloaded with a progress bar.
    bool fetchOne(const DownloadRequest& r, DownloadSettings settings) const {
        const std::string name = fs::path(r.destPath).filename().string();
        if (const std::string have = findVerifiedCopy(r); !have.empty()) {
            if (!quiet) std::fprintf(stderr, "fetch: have %s (%s)\n", have.c_str(), r.algo.empty() ? "no checksum recorded" : (r.algo + " OK").c_str());
            return true;
        }
        Progress progress("fetch " + name, 0, quiet);
        settings.onProgress = [&](const DownloadProgress& p) {
            progress.bytes(p.bytes, p.total, p.bytesPerSecond, p.secondsLeft,
                           p.state == DownloadState::Verifying ? "checking " + r.algo : "");
        };
        Download d(r, settings);
        const auto t0 = std::chrono::steady_clock::now();
        // Ctrl-C cancels: the transfer runs on its own thread while this one watches for the signal.
        d.start();
        while (!d.finished()) {
            if (interrupted()) d.cancel();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (auto st = d.wait(); !st) {
            if (progress.tty() && !quiet) std::fprintf(stderr, "\n");
            fail(st.error());
            return false;
        }
        const auto p = d.progress();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        progress.done(cv::format("saved %s (%s, %s in %.1f s)", r.destPath.c_str(), p.note.c_str(), formatBytes(p.bytes).c_str(), s));
        return true;
    }

    int run() {
        auto zoo = loadZoo();
        if (!zoo) return fail(zoo.error());
        if (list) return runList(*zoo);
        std::vector<std::string> wanted = names;
        if (styles)
            for (const ZooEntry& e : *zoo)
                if (e.style()) wanted.push_back(e.name);
        if (wanted.empty()) wanted.push_back(kDefaultFetchEntry);
        DownloadSettings settings = DownloadSettings::fromEnvironment();
        if (stallSeconds > 0) settings.stallSeconds = stallSeconds;
        if (connectSeconds > 0) settings.connectTimeoutS = connectSeconds;
        bool ok = true;
        for (const std::string& n : wanted) {
            if (interrupted()) return 130;
            const ZooEntry* e = findZooEntry(*zoo, n);
            if (!e) {
                ok = false;
                fail("no model named '" + n + "' in models.yml (see: cnnscope fetch --list)");
                continue;
            }
            auto plan = fetchPlan(*e, dir);
            if (!plan) {
                ok = false;
                fail(plan.error());
                continue;
            }
            for (const DownloadRequest& r : *plan)
                if (!fetchOne(r, settings)) {
                    ok = false;
                    break;
                }
        }
        if (interrupted()) return 130;
        return ok ? 0 : 1;
    }
};

}  // namespace

void registerFetch(CLI::App& app, std::function<int()>& action) {
    static FetchCmd cmd;
    auto* f = app.add_subcommand("fetch",
                                 "Download model weights listed in models/models.yml (default: vgg19_keras, the article's 80 MB "
                                 "VGG19 file), checksum-checked, into a directory cnnscope searches");
    f->add_option("NAME", cmd.names, "Entries to fetch (see --list); default vgg19_keras");
    f->add_flag("--list", cmd.list, "List what can be fetched, with checksums and where a verified copy already is");
    f->add_flag("--styles", cmd.styles, "Fetch every style network (starry_night, feathers, mosaic_onnx)");
    f->add_option("--dir", cmd.dir,
                  "Download directory (default: $CNNSCOPE_MODELS_DIR, else $XDG_DATA_HOME/cnnscope/models, i.e. "
                  "~/.local/share/cnnscope/models: both are searched for weights; another directory needs --model or "
                  "$CNNSCOPE_MODELS_DIR)");
    f->add_option("--stall-timeout", cmd.stallSeconds, "Give up when no data arrives for this many seconds (default 30)")
        ->check(CLI::Range(1, 3600));
    f->add_option("--connect-timeout", cmd.connectSeconds, "Give up connecting after this many seconds (default 15)")
        ->check(CLI::Range(1, 3600));
    f->add_flag("-q,--quiet", cmd.quiet, "No progress on stderr (errors still print)");
    f->footer(
        "Files are written under an exclusive temporary name in the download directory and renamed into place only when "
        "complete and their checksum matches; a failure (no network, DNS, HTTP error, cut or stalled transfer, wrong "
        "checksum, full disk) leaves nothing behind and a previous file intact. $CNNSCOPE_MODEL_URL_BASE replaces the "
        "catalogue URLs' directory (a mirror). Exit status: 0 when every file is present, 1 otherwise, 130 on Ctrl-C.");
    f->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
