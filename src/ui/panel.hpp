// The control panel: what it shows (PanelInfo), the form fields it edits (PanelInputs, ViewState)
// and the one channel out: the events the app applies after the frame's panel is drawn.
#pragma once

#include "core/render/view.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnscope::ui {

// What the user asked for this frame. The panel edits ViewState fields that need no work in
// place (colormap, gamma, mode...); anything the app must act on is an event.
struct PanelEvent {
    enum class Kind {
        OpenSource,      // text: the source
        TogglePause,
        Step,
        ToggleLoop,
        Seek,            // value: frame index
        Speed,           // value: playback speed
        LoadModel,       // text: path or models.yml name; empty: the default search
        Target,          // text: the target name
        InputSize,       // size
        LoadStyle,       // text: path or models.yml name
        StyleOff,
        CompareChanged,  // ViewState::compare was toggled
        SelectLayer,     // text: the layer
        NormChanged,     // ViewState::norm's mode or range changed: ranges need recomputing
        Screenshot,
        SaveBareMaps,    // the maps on screen, uncaptioned: LAYER.npy, the channel's PNG, the frame's PNG
        ToggleRecord,
        SweepChannels,   // GIF through every channel of the layer on screen
        SweepLayers,     // GIF through every layer at the selected channel index
        ConvMode,        // text: auto, winograd, direct or opencv
        Precision,       // text: auto, f32 or bf16
        Download,        // text: the models.yml entry ('' : the notop VGG19), fetched in the background
        CancelDownload,
        TransferStart,   // text: the style image; value: iterations (Gatys transfer on the frame on screen)
        TransferStop,
        TransferSave,    // PNG of the transfer image
        LoadModel2,      // text: the second model's path, models.yml name or 'untrained'
        UnloadModel2,
        WhyShowChannel,  // text: the class map's layer; value: a channel of it (the attribution list's click)
        ChannelsShow,    // value: a channel of the layer on screen (the Channels table's click)
        ChannelsReset,   // the Channels section's statistics start over
    };
    PanelEvent(Kind k, std::string t = {}, cv::Size s = {}, double v = 0) : kind(k), text(std::move(t)), size(s), value(v) {}
    Kind kind;
    std::string text;
    cv::Size size;
    double value = 0;
};
using PanelEvents = std::vector<PanelEvent>;

// A line in the panel's Messages section.
struct Message {
    enum class Level { Info, Warning, Error };
    Level level = Level::Info;
    std::string text;
};

// The Transfer section's facts (Gatys style transfer on the frame on screen).
struct TransferInfo {
    bool active = false, running = false, untrained = false;
    int iteration = 0, iterations = 0;
    cv::Size size;
    double total = 0, content = 0, style = 0, tv = 0, forwardMs = 0, backwardMs = 0, itPerSec = 0;
    std::vector<std::string> styleLayers;
    std::vector<double> gramDistance;  // per style layer, ||G - A|| / ||A||
    std::vector<float> totals;         // the loss curve
    std::string styleImage, error;
};

// The Second model section's facts (model B beside A, the difference A - B).
struct Model2Info {
    bool active = false, loading = false, untrained = false;
    std::string label, source, error, layerB, note;  // note: how the layers were matched
    double forwardMs = 0, maxAbs = 0;
};

// The Why section's facts (the classifier head: top-5, the class map, channel attribution).
struct WhyInfo {
    bool active = false;     // the section is on and the worker has answered
    bool computing = false;  // a request is out
    std::string error;       // e.g. no classifier head, and how to get one
    bool noHead = false;     // the error is the missing head: the section offers the with-top weights
    std::string layer, method;
    struct Class {
        int index = 0;
        std::string label;
        double probability = 0;  // smoothed when smoothing is on
    };
    std::vector<Class> top;       // the top-5, largest first
    Class followed;               // the class the map is for
    bool following = false;       // a clicked class (else the top-1)
    struct Channel {
        int channel = 0;
        double attribution = 0;
        bool ablated = false;
    };
    std::vector<Channel> channels;  // by attribution, largest first (the first 12)
    int channelCount = 0;           // the layer's
    double ms = 0;                  // the worker's last frame (forward, backward, map, attribution)
    bool partial = false;           // scorecam / occlusion building up: done of total forwards
    int done = 0, total = 0;
    std::string note;               // e.g. the occlusion's patch size
    double faithTop = -1, faithRandom = -1;  // the drop in the class's probability (-1: not computed)
    std::string ablatedNote;        // with channels ablated: the class's probability before and after
};

// The feature visualisation's facts (the Unit section).
struct FeatvisInfo {
    bool on = false, done = false, cached = false;
    int channel = -1, step = 0, total = 0, sheetDone = 0, sheetTotal = 0;
    std::string layer, cacheDir, error;
    double activation = 0, frameActivation = 0, msPerStep = 0;
};

// The Channels section's facts: the layer's channels over the frames seen (core/render/channel_stats).
struct ChannelsInfo {
    struct Row {
        int channel = 0;
        double mean = 0, variation = 0, active = 0;
        float max = 0, min = 0;
        bool constant = false;
    };
    std::string layer;
    int frames = 0, channels = 0, shownRows = 0;  // shownRows: the order's length (hidden constant ones left out)
    std::vector<Row> rows;                        // the first rows of the order
    int constantCount = 0;
    int selected = -1;                            // the selected channel, and its per-frame means (oldest first)
    std::vector<float> series;
};

// Read-only facts the panel shows.
struct PanelInfo {
    std::string modelLabel, modelSource, target, targetNote, sourceDescription, sourceNote;
    std::string targetDevice, targetCheck;  // the device the target runs on; its check against the cpu
    bool untrained = false, live = false, still = false, paused = false, loop = true;
    double speed = 1.0;
    int64_t frameIndex = 0;
    int channels = 0;
    cv::Size inputSize;
    double captureFps = 0, inferFps = 0, inferMs = 0, renderFps = 0, latencyP50 = 0, latencyP95 = 0, rssMb = 0;
    uint64_t dropped = 0, inferences = 0;
    std::vector<std::string> layerNames, layerShapes;
    std::vector<int> layerRf;
    std::vector<std::string> targets;
    bool recording = false;
    std::string recordTarget, recordStatus, sweepStatus;
    // Style stage
    std::string styleLabel, styleSource;      // empty: off
    cv::Size styleSize;
    double styleMs = 0, gramDistance = -1;
    std::vector<std::string> styleNames;      // models.yml style entries
    std::vector<bool> styleHave;              // whose file is present
    TransferInfo transfer;
    Model2Info model2;
    WhyInfo why;
    FeatvisInfo featvis;
    ChannelsInfo channelStats;
    std::vector<Message> messages;            // newest last: status, warnings (model loading too), errors
    // Convolution kernel (panel_extras.cpp)
    std::string convMode;                     // auto, winograd, direct, opencv
    std::string precision;                    // requested: auto, f32, bf16
    std::string precisionRan;                 // what ran: "oneDNN executor, f32", "OpenCV dnn (...)"
    std::string convSummary;                  // what really runs; empty until the first forward
    std::vector<std::string> convLayers;      // "layer: kernel (impl)" per conv layer
    // Trained-weights download (panel_extras.cpp)
    struct Download {
        bool running = false;
        std::string entry;                    // the models.yml entry downloading
        double fraction = -1;                 // -1: size unknown
        std::string detail;                   // "12.0 MB of 80.0 MB, 3.1 MB/s, 20 s left"
    } download;
};

// Recording sizes offered in the panel.
inline const cv::Size kRecordSizes[] = {{320, 240}, {640, 480}, {800, 600}, {1024, 768}, {1280, 720}};
constexpr int kRecordSizeCount = 5;

// The panel's form fields: what the user typed, kept between frames.
struct PanelInputs {
    std::string sourceText;
    std::string modelText;        // path or models.yml name; empty: the default search
    std::string styleText;        // style network: path or models.yml name
    std::string model2Text;       // second model: path, models.yml name or 'untrained'
    std::string recordPath;       // empty: cnnscope-DATE-TIME.gif in the current directory
    int recordSize = 1;           // index into kRecordSizes
    float recordFps = 10.f;
    bool recordColorbar = false;
    int backprop = 0;             // Unit section: 0 off, 1 guided, 2 deconv, 3 grad
    bool topk = false;            // Unit section: the top-9 sheet of the selected channel
    bool topkReset = false, topkExport = false;  // requests, cleared by the window when done
    std::string unitStatus;       // the Unit section's read-out (set by the window)
    // Why section (the classifier head): on, the map's method (index into kWhyMethods), the class
    // followed (-1: the top-1), smoothing of the probabilities over frames, the faithfulness
    // figure, channels of the map's layer zeroed.
    bool why = false;
    int whyMethod = 0;
    int whyClass = -1;
    float whySmooth = 0.f;
    bool whyFaith = false;
    bool whyAtShown = false;      // the map at the layer on screen (else the last conv layer's output)
    std::vector<int> whyAblate;
    // Unit section: the feature visualisation of the card's unit (and the layer's sheet)
    bool featvis = false, featvisSheet = false;
    int featvisIterations = 256, featvisSize = 128;
    // Channels section: statistics over time on, the order (an index into channelSortNames()),
    // the constant channels left out.
    bool channels = false;
    int channelsSort = 1;  // mean
    bool channelsHideConstant = false;
    bool channelsReveal = false;  // scroll the panel to the section once (turned on by --channel-stats or channels=)
    std::string transferStyle = "/usr/share/doc/opencv-doc/examples/data/starry_night.jpg";  // style image
    int transferIterations = 200;
};

// Draws the control panel at the window's left; appends what the user asked for to `events`.
void drawPanel(ViewState& view, PanelInputs& in, const PanelInfo& info, float width, float height, PanelEvents& events);

// Sections in panel_extras.cpp: the untrained banner with its download offer and progress, and
// the convolution kernel choice with what really runs.
void untrainedBanner(const PanelInfo& info, PanelEvents& events);
// The download's progress bar, Cancel and detail (shown where it was started).
void downloadProgress(const PanelInfo& info, PanelEvents& events);
// A section header that starts collapsed, and opens once when `open` (the section is in use).
bool sectionHeader(const char* name, bool open);
void convSection(const PanelInfo& info, PanelEvents& events);
// The Second model section (panel_model2.cpp).
void model2Section(const PanelInfo& info, PanelInputs& in, PanelEvents& events);
// The Transfer section (panel_transfer.cpp).
void transferSection(const PanelInfo& info, PanelInputs& in, PanelEvents& events);

// One row of the help overlay: keys and what they do (app/keys.cpp's table makes them).
struct HelpRow {
    std::string keys, help;
};
void drawHelp(bool* open, const std::vector<HelpRow>& rows);

// The class map's methods the window offers (the gradient ones and eigencam; scorecam and
// occlusion take hundreds of forwards: `cnnscope cam`).
inline const char* const kWhyMethods[] = {"gradcam", "gradcam++", "layercam", "eigencam", "scorecam", "occlusion"};
constexpr int kWhyMethodCount = 6;

// The Why section (panel_why.cpp): top-5, the followed class, the map's method, attribution and ablation.
void whySection(const PanelInfo& info, PanelInputs& in, PanelEvents& events);

// The Unit section (panel_unit.cpp): back-projection mode of the selected unit.
void unitSection(const PanelInfo& info, PanelInputs& in);
// The scripted key featvis=on|off|sheet|nosheet|N (steps per unit) as the Unit section's controls;
// the error text, empty when applied.
std::string applyFeatvisArgument(PanelInputs& in, const std::string& arg);

// The Channels section (panel_channels.cpp): the layer's channels sorted or filtered by their
// statistics over the frames seen, constant (dead) ones flagged, the selected one's means over time.
void channelsSection(const PanelInfo& info, PanelInputs& in, PanelEvents& events);
// The scripted key channels=on|off|SORT|hideconst|showconst as the section's controls; the error
// text, empty when applied.
std::string applyChannelsArgument(PanelInputs& in, const std::string& arg);

}  // namespace cnnscope::ui
