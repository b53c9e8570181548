// cnnscope: CLI subcommands run before any window code; `view` (or no arguments) opens the GUI.
#include "cli/cli.hpp"
#include "core/model/backend.hpp"
#include "core/model/conv_mode.hpp"
#include "core/base/interrupt.hpp"
#include "core/base/limits.hpp"
#include "core/base/quiet.hpp"
#ifdef CNNSCOPE_HAVE_GUI
#include "app/gui.hpp"
#endif

#include <opencv2/core/utility.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <csignal>
#include <iostream>
#include <new>
#include <unistd.h>

int main(int argc, char** argv) {
    // libgomp and OpenCV's dnn read their settings when they load: set them, then start again
    // (same pid, same arguments; execv returns only on failure, and then the run goes on as is).
    const bool ompChanged = cnnscope::preferPassiveOpenMpWait();
    if (cnnscope::prepareOpenClEnvironment(argc, argv) || ompChanged) ::execv("/proc/self/exe", argv);
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    cnnscope::setMaxImagePixels(cnnscope::kDefaultMaxImagePixels);
    cnnscope::installInterruptHandlers();
    // A write past the file-size limit (ulimit -f) fails with EFBIG, reported with the path like any
    // other write error (temporaries removed, non-zero exit), instead of SIGXFSZ killing the run.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"cnnscope: watch what a convolutional network sees (VGG19 feature maps, live or headless)", "cnnscope"};
    app.set_version_flag("--version", std::string("cnnscope ") + CNNSCOPE_VERSION);
    app.require_subcommand(0, 1);
    app.fallthrough();  // the global options below are accepted after the command name too
    bool verbose = false;
    int64_t maxPixels = cnnscope::kDefaultMaxImagePixels;
    app.add_flag("--verbose", verbose, "Show third-party diagnostics (OpenCV, FFmpeg, GStreamer) that are hidden by default");
    app.add_option("--max-pixels", maxPixels, "Largest image or video frame accepted, in pixels (checked from the header before decoding)")
        ->default_val(cnnscope::kDefaultMaxImagePixels)
        ->check(CLI::Range(int64_t(1024), int64_t(1) << 34));
    std::string openClDevice;  // applied before OpenCV loads (prepareOpenClEnvironment); listed by `targets`
    app.add_option("--opencl-device", openClDevice,
                   "OpenCL device for --target opencl: sets OPENCV_OPENCL_DEVICE, e.g. ':GPU:0', ':CPU:', 'NVIDIA CUDA:GPU:' "
                   "(PLATFORM:TYPE:DEVICE; `cnnscope targets` lists them)");
    std::function<int()> action, defaultAction;
    cnnscope::cli::registerCommands(app, action);
#ifdef CNNSCOPE_HAVE_GUI
    cnnscope::app::registerView(app, action, defaultAction);
    app.footer("With no command, opens the live window on camera 0 (or sample footage when there is no camera).");
#endif
    cnnscope::cli::applyRanges(app);  // one table of numeric ranges for every command, the window's included
    // Usage errors go through the same one-line error path as every other error (vocabulary.cpp).
    if (auto code = cnnscope::cli::parseArguments(app, argc, argv)) return *code;
    cnnscope::setVerbose(verbose);
    if (verbose) cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_WARNING);
    cnnscope::setMaxImagePixels(maxPixels);
    if (auto st = cnnscope::checkEnvironmentNumbers(); !st) return cnnscope::cli::fail(st.error());
    try {
        if (action) return action();
        if (defaultAction) return defaultAction();
    } catch (const std::bad_alloc&) {
        return cnnscope::cli::fail("out of memory; ask for a smaller size, fewer tiles or fewer frames");
    } catch (const cv::Exception& e) {
        return cnnscope::cli::fail("OpenCV: " + (e.err.empty() ? std::string(e.what()) : e.err));
    } catch (const std::exception& e) {
        return cnnscope::cli::fail(e.what());
    }
    std::cout << app.help();
    return 0;
}
