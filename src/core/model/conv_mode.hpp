// Which kernel runs OpenCV dnn's "Convolution" layers on the CPU target: oneDNN's Winograd or
// direct convolution (src/core/onednn_conv.*) or OpenCV's own; a process-wide choice, and a
// per-model report of what really runs on each conv layer.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/dnn.hpp>

#include <string>
#include <vector>

namespace cnnscope {

enum class ConvMode { Auto, Winograd, Direct, OpenCV };

const char* convModeName(ConvMode m);          // auto, winograd, direct, opencv
Expected<ConvMode> parseConvMode(const std::string& name);
std::string convModeNames();                   // "auto, winograd, direct, opencv"

// Whether this build has the oneDNN layer (CMake option CNNSCOPE_ONEDNN and libdnnl found).
bool oneDnnBuilt();

// Whether oneDNN has a Winograd convolution on this CPU (oneDNN 2.x implements it for AVX-512
// only: on an AVX2 CPU every Winograd request runs direct). Probed once; false without oneDNN.
bool winogradOnThisCpu();
// The reason given in reports where Winograd was asked for but this CPU has none.
inline constexpr const char* kNoWinogradOnCpu = "this CPU has no oneDNN Winograd (it needs AVX-512)";

// Registers the oneDNN layer under OpenCV's "Convolution" type (once per process; nothing without
// oneDNN). Layers are created when a net is built or imported, so this runs before that: Model
// and StyleStage loading call it. On targets other than the CPU the layer hands every call to an
// OpenCV layer it owns, so the nets behave as OpenCV's own there.
void installFastConv();

// oneDNN runs on libgomp's OpenMP threads, which spin after each parallel region by default;
// with OpenCV's own pool running the layers in between on the same cores, the spinning costs
// up to 7x on a conv layer (measured: block1_conv1 88 ms against 12 ms with passive waiting).
// libgomp reads OMP_WAIT_POLICY only when it loads, so main() calls this first: when oneDNN is
// built in and OMP_WAIT_POLICY is unset, it sets it to PASSIVE and returns true, and main()
// re-executes the program (same pid, same arguments). A user's own OMP_WAIT_POLICY is left alone.
bool preferPassiveOpenMpWait();

// The process-wide mode. Thread-safe; every conv layer reads it at its next forward and rebuilds
// its primitives when it changed (no net reload needed).
void setConvMode(ConvMode m);
ConvMode convMode();

// What one conv layer runs.
struct ConvLayerReport {
    std::string name;       // the layer's name ("/conv" dropped for cnnscope's Keras nets)
    std::string kernel;     // "winograd", "direct" or "opencv"
    std::string impl;       // oneDNN implementation (e.g. "jit_wino_4x3:avx512_core"), empty for opencv
    std::string why;        // why it is not the mode's first choice (e.g. "groups", "target opencl"), else empty
    bool planned = false;   // true: not run yet at this input size and mode, this is what will run
};

struct ConvReport {
    std::string summary;                   // e.g. "auto: 14 winograd, 2 direct, 0 opencv (oneDNN 2.6.3)"
    std::string engine;                    // what ran the last forward: "oneDNN executor, bf16", "OpenCV dnn (...)"
    std::string precision = "f32";         // the precision it ran in: f32 or bf16
    std::string requested = "auto";        // --precision when the report was taken
    std::vector<ConvLayerReport> layers;   // one per convolution layer, in net order
};

// `cpuTarget`: whether the net runs on the CPU target (else everything is OpenCV's).
ConvReport convReport(cv::dnn::Net& net, bool cpuTarget);

// "kernel (impl)" or "opencv: why", for tables.
std::string describe(const ConvLayerReport& r);

// {"mode": "auto", "summary": "...", "layers": [{"layer", "kernel", "impl", "why", "planned"}, ...]}
// for stats files (bench --json writes the same fields).
std::string convReportJson(const ConvReport& r);

}  // namespace cnnscope
