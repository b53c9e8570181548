// The `view` command: its options (app/view_options.hpp) registered with CLI11, and the window
// run as its action. The only window file that includes cli/cli.hpp.
#include "app/gui.hpp"
#include "app/view_options.hpp"
#include "cli/cli.hpp"
#include "core/render/channel_stats.hpp"

namespace cnnscope::app {

using detail::ViewOptions;

void registerView(CLI::App& app, std::function<int()>& action, std::function<int()>& defaultAction) {
    static ViewOptions opts;
    auto* view = app.add_subcommand("view", "Open the live window on a video, image, camera index, GStreamer pipeline or URL "
                                            "(no SOURCE: camera 0, else sample footage)");
    view->add_option("SOURCE", opts.source, "Image, video file, camera (cam:N; a bare N when no file N exists), GStreamer pipeline or URL");
    view->add_option("--layer", opts.layer, "Layer to show first (default: the model's first conv layer, or the last one used)");
    auto* channel = view->add_option("--channel", opts.channel, "Show this channel alone");
    view->add_flag("--grid", opts.grid, "Show the grid of channels")->excludes(channel);
    view->add_option("--frames", opts.frames,
                     "Scripted run: render N frames once the requested view is on screen, then exit (with --screenshot/--stats)");
    view->add_option("--screenshot", opts.screenshot, "Scripted run: save a PNG of the window at the end");
    view->add_option("--stats", opts.stats, "Scripted run: save render/inference fps, latency, layout as JSON at the end");
    view->add_option("--record", opts.record, "Scripted run: record the view to F.gif, F.mp4 or a new folder while it runs");
    view->add_option("--keys", opts.keys,
                     "Scripted run: keys to press first, comma-separated (e.g. right,right,pagedown,g); 'idle' waits until "
                     "the view is computed (with --model2, B's maps too; and a download or history GIF has finished); 'frame' waits for the next new frame (a still image or a paused stream gives none: the run then fails, after 2 seconds); 'conv' picks the next convolution "
                     "kernel, 'download' starts the trained-weights download ('download=ENTRY' a models.yml entry's, e.g. vgg19_keras_top), 'mark' and 'historygif' are the timeline's "
                     "buttons, 'input=WxH', 'model=FILE', 'target=NAME' and 'precision=auto|f32|bf16' the panel's input size, model, "
                     "target and precision; 'why=METHOD|off', 'class=K|top' and 'ablate=C:C:A-B|none' the Why section's; 'featvis=on|off|sheet|nosheet|N' the Unit section's feature visualisation (N: steps per unit); 'channels=on|off|SORT|hideconst|showconst' the Channels section's");
    view->add_option("--size", opts.size, "Window size WxH (default 1280x720, or the last one used)");
    view->add_flag("--paused", opts.paused, "Start paused on the first frame");
    view->add_flag("--atlas", opts.atlas,
                   "Start in the atlas: every conv channel of the network in one zoomable, pannable view (key a; wheel zooms, "
                   "drag pans, a click shows that channel)");
    view->add_option("--history-mb", opts.historyMb,
                     "Keep the last N MB of frames for the timeline (scrub back with , and . or the slider; also in the timeline)")
        ->default_val(int(kDefaultHistoryMb))
        ->check(CLI::Range(16, 65536));
    view->add_flag("--compare", opts.compare,
                   "With --style: original and stylised side by side, with their maps and Gram matrices (key c)");
    view->add_option("--backprop", opts.backprop,
                     "Back-projection of the selected unit beside the input: guided, deconv, grad or off (default off; "
                     "about one more forward per frame; panel: Unit)");
    view->add_flag("--input", opts.input, "Show the input frame beside the maps (panel: input frame beside)");
    view->add_flag("--topk", opts.topk,
                   "The top-9 sheet of the selected channel beside the maps, fed from the stream (panel: Unit)");
    view->add_option("--hover", opts.hover,
                     "Scripted run: the pointer rests at X,Y (window pixels): its map pixel's receptive field is outlined "
                     "on the input frame");
    view->add_option("--transfer", opts.transfer,
                     "Style transfer (Gatys et al., as the transfer command) on the first frame towards this style image, live in "
                     "the view: the image beside the maps of the layer on screen, the losses and Gram distances in the panel's "
                     "Transfer section (also there: pick a style image and run on the paused frame); a scripted run waits for it");
    view->add_option("--transfer-iterations", opts.transferIterations, "With --transfer: Adam iterations")->default_val(100);
    view->add_option("--transfer-size", opts.transferSize,
                     "With --transfer: working size WxH (default: the frame scaled to 256 on its longer side)");
    view->add_option("--why", opts.why,
                     "The classifier head's top-5, the class map over the input frame beside the maps and the channels that "
                     "lead there: gradcam, gradcam++, layercam, eigencam (one forward and one backward per frame), scorecam or "
                     "occlusion (hundreds of forwards, built up on the frame with progress), or off (default off; needs a model "
                     "with its head, e.g. vgg19_keras_top; on its own thread; panel: Why)");
    view->add_option("--class", opts.classIndex, "With --why: the class the map and attribution follow (default: each frame's top-1)")
        ->check(CLI::Range(0, 1000000));
    view->add_flag("--featvis", opts.featvis,
                   "What the unit wants to see: the feature visualisation (as the featvis command) of the selected channel, or "
                   "of the grid tile the pointer rests on, optimised in the background and shown as it builds up, cached on disk "
                   "($CNNSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/cnnscope or ~/.cache/cnnscope) so a second look is instant; a "
                   "column beside the unit's back-projection and top-9 (panel: Unit)");
    view->add_flag("--featvis-sheet", opts.featvisSheet,
                   "With --featvis: then every unit of the layer, filling in a sheet under the card");
    view->add_option("--featvis-iterations", opts.featvisIterations, "With --featvis: optimisation steps per unit")
        ->default_val(detail::kDefaultFeatvisIterations);
    view->add_option("--featvis-size", opts.featvisSize, "With --featvis: working size N (or NxN) of the image, 16..512 (default 128)");
    view->add_option("--channel-stats", opts.channelStats,
                     "Statistics of every channel of the layer on screen over the frames seen (as the channels command), in the "
                     "panel's Channels section: sorted by index, mean, max, active or variation (largest first), constant (dead) "
                     "channels flagged; a click shows the channel")
        ->check(CLI::IsMember(channelSortNames()));
    view->add_option("--model2", opts.model2,
                     "A second network beside the first: a model file or models.yml name as for --model, or 'untrained'; "
                     "the view shows A | B | A - B at the same layer (matched by name, else by position among conv layers), "
                     "the difference on rdbu scaled symmetrically around 0 per channel, per layer with --normalize layer "
                     "(panel: Second model)")
        ->check([](const std::string& s) { return s.empty() ? std::string("give a model file, a models.yml name or 'untrained'") : std::string(); });
    cli::addModelOptions(*view, opts.common);
    cli::addDisplayOptions(*view, opts.common);
    cli::addStyleOptions(*view, opts.common);
    view->callback([&, view] {
        opts.colormapGiven = view->count("--colormap") > 0;
        opts.normalizeGiven = view->count("--normalize") > 0;
        opts.gammaGiven = view->count("--gamma") > 0;
        action = [] { return detail::runWindow(opts); };
    });
    defaultAction = [] { return detail::runWindow(opts); };
}

}  // namespace cnnscope::app
