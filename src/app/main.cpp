// cnnscope: CLI subcommands run before any window code; `view` (or no arguments) opens the GUI.
#include "cli/cli.hpp"
#include "core/conv_mode.hpp"
#include "core/interrupt.hpp"
#ifdef CNNSCOPE_HAVE_GUI
#include "app/gui.hpp"
#endif

#include <opencv2/core/utility.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <iostream>

int main(int argc, char** argv) {
    cnnscope::preferPassiveOpenMpWait(argv);
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
    cnnscope::installInterruptHandlers();
    CLI::App app{"cnnscope: watch what a convolutional network sees (VGG19 feature maps, live or headless)", "cnnscope"};
    app.set_version_flag("--version", std::string("cnnscope ") + CNNSCOPE_VERSION);
    app.require_subcommand(0, 1);
    std::function<int()> action, defaultAction;
    cnnscope::cli::registerCommands(app, action);
#ifdef CNNSCOPE_HAVE_GUI
    cnnscope::app::registerView(app, action, defaultAction);
    app.footer("With no command, opens the live window on camera 0 (or sample footage when there is no camera).");
#endif
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (action) return action();
    if (defaultAction) return defaultAction();
    std::cout << app.help();
    return 0;
}
