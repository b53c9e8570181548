// The session layer shared by the window (app/) and the headless commands (cli/): the options
// every model-using command shares, model and style loading with their warnings, the style step,
// the pipeline label and the layer/channel check. Core only: no CLI11, no GL.
#pragma once

#include "core/render/colormap.hpp"
#include "core/base/expected.hpp"
#include "core/model/model.hpp"
#include "core/io/output_guard.hpp"
#include "core/render/mosaic.hpp"
#include "core/render/normalize.hpp"
#include "core/model/style.hpp"

#include <optional>
#include <string>
#include <vector>

namespace cnnscope::session {

// Options every model-using command shares.
struct CommonOptions {
    std::string model;
    std::string config;
    bool untrained = false;
    std::string inputSize;   // empty: the model's default (224x224 for VGG19)
    std::string target = "cpu";
    std::string normalize = "channel";
    float gamma = 1.f;
    std::string colormap = "hot";
    bool quiet = false;
    std::string style;       // style network run on each frame first (path or models.yml name)
    std::string styleSize;   // WxH it runs at (default: the network's own, else 320 wide)
    std::string conv = "auto";  // CPU convolution kernel: auto, winograd, direct, opencv (process-wide)
    std::string precision;      // CPU executor precision: auto, f32, bf16; empty: $CNNSCOPE_PRECISION, else auto
};

// Parses a --conv value and sets the process-wide mode (loadModel and loadStyle call it).
Status applyConvOption(const std::string& conv);
// Parses a --precision value (empty: $CNNSCOPE_PRECISION, else auto) and sets the process-wide
// request (loadModel and loadStyle call it).
Status applyPrecisionOption(const std::string& precision);

// Loads the model the options describe; warnings go to stderr prefixed "cnnscope: warning:"
// (unless quiet), and to *warnings when given (the window's message channel). withHead: also the
// classifier head (a with-top Keras file's dense layers are read only by the commands that classify).
Expected<Model> loadModel(const CommonOptions& o, std::vector<std::string>* warnings = nullptr, bool withHead = false);
// The options a second model loads with (`compare-models --model2`, the window's --model2 and its
// panel's Second model Load): `spec` a weights file or a models.yml name, or "untrained" (any
// case: the seeded VGG19); the first model's config and style do not carry over.
CommonOptions secondModelOptions(const CommonOptions& base, const std::string& spec);
// The style stage the options ask for, or none without --style.
Expected<std::optional<StyleStage>> loadStyle(const CommonOptions& o, std::vector<std::string>* warnings = nullptr);
// Stylises `frame` in place when a style stage is set.
Status stylise(std::optional<StyleStage>& style, cv::Mat& frame);
// "VGG19 [untrained]", or "VGG19 [untrained] on starry_night" with a style stage (label non-empty).
std::string pipelineLabel(const Model& model, const std::string& styleLabel);
std::string pipelineLabel(const Model& model, const std::optional<StyleStage>& style);

// The layer must be one with a (C,H,W) output and `channel` (-1: none asked) one of its channels.
Status requireLayerChannel(const Model& model, const std::string& layer, int channel);

// The display options (--normalize with --gamma, --colormap) parsed; errors name the option.
struct Display {
    Normalization norm;
    Colormap colormap = Colormap::Hot;
};
Expected<Display> parseDisplay(const CommonOptions& o);
// What --channel (-1: a grid), --tiles and the display options ask the view to show.
ViewSpec viewSpec(int channel, int tiles, const Display& display);

// Frame INDEX of SOURCE (opened for this one read).
Status readSourceFrame(const std::string& source, int64_t index, cv::Mat& frame);
// The frame the model sees: frame INDEX of SOURCE, stylised when a style stage is set.
Status readStylisedFrame(const std::string& source, int64_t index, std::optional<StyleStage>& style, cv::Mat& frame);

// A shape as a tuple, "(1, 64, 224, 224)"; with separator "x" bare, "1x64x224x224".
std::string shapeText(const std::vector<int>& shape, const std::string& separator = ", ");

// MESSAGE with line breaks folded into spaces (third-party errors span lines).
std::string oneLine(const std::string& message);
// Prints "cnnscope: warning: MSG" to stderr (always one line).
void warn(const std::string& message);
// Prints "cnnscope: error: MSG" to stderr (always one line) and returns 1.
int fail(const std::string& message);

// The run's outputs against its inputs: SOURCE, --model, --config, --style and the files a model
// and style network were really loaded from (checkOutputs). Call before anything is written.
// `extra`: the command's other inputs (a second model, a style image).
Status checkRunOutputs(const CommonOptions& o, const std::string& source, const std::vector<OutputPath>& outputs,
                       const Model* model = nullptr, const StyleStage* style = nullptr, const std::vector<InputPath>& extra = {});
// The same with the style stage as loadStyle gives it (none without --style).
Status checkRunOutputs(const CommonOptions& o, const std::string& source, const std::vector<OutputPath>& outputs,
                       const Model& model, const std::optional<StyleStage>& style, const std::vector<InputPath>& extra = {});

}  // namespace cnnscope::session
