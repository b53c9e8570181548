// `cnnscope fetch`: downloads weights listed in models.yml, checksum-checked, placed atomically.
#include "cli/cli.hpp"

#include "core/base/interrupt.hpp"
#include "core/model/model_zoo.hpp"
#include "fetch/model_fetch.hpp"

#include <opencv2/core.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;

namespace cnnscope::cli {

namespace {

struct FetchCmd {
    std::vector<std::string> names;
    bool list = false, styles = false, quiet = false;
    bool allowHttp = false, noChecksum = false;
    std::string dir, catalogue;
    long stallSeconds = 0, connectSeconds = 0;
    int64_t maxBytes = 0;

    static std::string checksumText(const ZooEntry& e) {
        if (!e.sha256.empty()) return "sha256:" + e.sha256;
        if (!e.sha1.empty()) return "sha1:" + e.sha1;
        if (!e.md5.empty()) return "md5:" + e.md5;
        return "(no checksum: needs --no-checksum)";
    }

    int runList(const std::vector<ZooEntry>& zoo) const {
        std::printf("%-16s %-6s %-52s %s\n", "name", "kind", "file", "checksum");
        for (const ZooEntry& e : zoo) {
            auto plan = fetchPlan(e, dir, policy());
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
        if (Status st = Download::refusal(r); !st) {
            fail(st.error());
            return false;
        }
        if (const std::string have = findVerifiedCopy(r); !have.empty()) {
            if (!quiet) std::fprintf(stderr, "fetch: have %s (%s OK)\n", have.c_str(), r.algo.c_str());
            return true;
        }
        if (const std::string note = replacedCopyNote(r); !note.empty() && !quiet) std::fprintf(stderr, "fetch: %s\n", note.c_str());
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

    FetchPolicy policy() const { return FetchPolicy{allowHttp, noChecksum}; }

    int run() {
        // A hangup (the terminal or ssh session closed mid-download) cancels like Ctrl-C: the
        // SIGTERM handler is taken over, so the temporary is removed instead of left behind.
        if (struct sigaction term {}; sigaction(SIGTERM, nullptr, &term) == 0 && term.sa_handler != SIG_DFL) sigaction(SIGHUP, &term, nullptr);
        std::string skipped;
        auto cat = loadDownloadCatalogue(catalogue, &skipped);
        if (!cat) return fail(cat.error());
        if (!quiet && !skipped.empty())
            std::fprintf(stderr, "fetch: ignoring %s (a catalogue in the current directory is used only with --catalogue)\n", skipped.c_str());
        if (!quiet && !cat->bundled && !cat->path.empty()) std::fprintf(stderr, "fetch: using catalogue %s\n", cat->path.c_str());
        const std::vector<ZooEntry>* zoo = &cat->entries;
        if (list) return runList(*zoo);
        std::vector<std::string> wanted = names;
        if (styles)
            for (const ZooEntry& e : *zoo)
                if (e.style()) wanted.push_back(e.name);
        if (wanted.empty()) wanted.push_back(kDefaultFetchEntry);
        DownloadSettings settings = DownloadSettings::fromEnvironment();
        if (stallSeconds > 0) settings.stallSeconds = stallSeconds;
        if (connectSeconds > 0) settings.connectTimeoutS = connectSeconds;
        if (maxBytes > 0) settings.maxBytes = maxBytes;
        bool ok = true;
        for (const std::string& n : wanted) {
            if (interrupted()) return 130;
            const ZooEntry* e = findZooEntry(*zoo, n);
            if (!e) {
                ok = false;
                fail("no model named '" + n + "' in " + (cat->path.empty() ? std::string("models.yml (none found)") : cat->path) +
                     " (see: cnnscope fetch --list)");
                continue;
            }
            auto plan = fetchPlan(*e, dir, policy());
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
    f->add_option("--stall-timeout", cmd.stallSeconds, "Give up when less than 1 KB/s arrives for this many seconds (default 30)")
        ->check(CLI::Range(1, 3600));
    f->add_option("--connect-timeout", cmd.connectSeconds, "Give up connecting after this many seconds (default 15)")
        ->check(CLI::Range(1, 3600));
    f->add_option("--catalogue", cmd.catalogue,
                  "The models.yml to fetch from (default: $CNNSCOPE_MODELS_DIR's, else the bundled one, else the user "
                  "directory's; a models/models.yml in the current directory is used only when named here)");
    f->add_flag("--no-checksum", cmd.noChecksum,
                "Download entries that record no checksum, unverified (default: refused; a copy already there is replaced)");
    f->add_flag("--allow-http", cmd.allowHttp,
                "Allow plain http URLs and redirects (default: https only; a loopback $CNNSCOPE_MODEL_URL_BASE is allowed)");
    f->add_option("--max-size", cmd.maxBytes,
                  "Cap in bytes for files whose size the catalogue does not record (default 2 GiB, or "
                  "$CNNSCOPE_FETCH_MAX_BYTES); a recorded size is always the cap")
        ->check(CLI::Range(int64_t(1), int64_t(1) << 50));
    f->add_flag("-q,--quiet", cmd.quiet, "No progress on stderr (errors still print)");
    f->footer(
        "Catalogue entries name files, never paths (file/config with '/', '..', a leading '.' or the name models.yml, "
        "a config named like its file, a repeated key or entry name are refused when read). "
        "Every file (weights and config) is checked against the catalogue's checksum (md5/sha1/sha256, "
        "config_md5/config_sha1/config_sha256) and size (size/config_size, bytes): a copy already present counts only "
        "when it verifies, otherwise it is replaced. Files are written under an exclusive temporary name in the download "
        "directory (created only when data arrives) and renamed into place only when complete and verified; a body "
        "over the size cap is stopped (a larger Content-Length is refused up front). A failure (no network, DNS, HTTP "
        "error, cut or stalled transfer, wrong checksum or size, over the cap, full disk, file size limit) leaves "
        "nothing behind and a previous file intact (a temporary left by a killed fetch is removed by the next one after "
        "2 hours). $CNNSCOPE_MODEL_URL_BASE replaces the catalogue URLs' directory (a "
        "mirror). Exit status: 0 when every file is present, 1 otherwise, 130 on Ctrl-C, SIGTERM or a hangup (the temporary removed).");
    f->callback([&] { action = [] { return cmd.run(); }; });
}

}  // namespace cnnscope::cli
