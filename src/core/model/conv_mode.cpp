// The process-wide convolution mode, the registration of the oneDNN layer and the report.
#include "core/model/conv_mode.hpp"

#include "core/base/parse.hpp"

#if CNNSCOPE_ONEDNN
#include "core/model/onednn_conv.hpp"
#endif

#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/dnn/layer.hpp>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <unistd.h>

namespace cnnscope {

namespace {
std::atomic<int> g_mode{int(ConvMode::Auto)};
const char* const kNames[] = {"auto", "winograd", "direct", "opencv"};

bool endsWithConv(const std::string& s) { return s.size() > 5 && s.compare(s.size() - 5, 5, "/conv") == 0; }
}  // namespace

const char* convModeName(ConvMode m) { return kNames[int(m)]; }

std::string convModeNames() { return "auto, winograd, direct, opencv"; }

Expected<ConvMode> parseConvMode(const std::string& name) {
    const std::string n = lower(name);
    for (int i = 0; i < 4; ++i)
        if (n == kNames[i]) return ConvMode(i);
    return Error{"unknown convolution mode '" + name + "'; choose one of: " + convModeNames()};
}

bool oneDnnBuilt() {
#if CNNSCOPE_ONEDNN
    return true;
#else
    return false;
#endif
}

#if !CNNSCOPE_ONEDNN
bool winogradOnThisCpu() { return false; }
#endif

void installFastConv() {
#if CNNSCOPE_ONEDNN
    static std::once_flag once;
    std::call_once(once, [] { cv::dnn::LayerFactory::registerLayer("Convolution", &FastConvLayer::create); });
#endif
}

bool preferPassiveOpenMpWait() {
    if (!oneDnnBuilt() || std::getenv("OMP_WAIT_POLICY") != nullptr) return false;
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    return true;
}

void setConvMode(ConvMode m) { g_mode.store(int(m)); }
ConvMode convMode() { return ConvMode(g_mode.load()); }

ConvReport convReport(cv::dnn::Net& net, bool cpuTarget) {
    ConvReport rep;
    const std::string target = cpuTarget ? "cpu" : "not cpu";
    int counts[3] = {0, 0, 0};  // winograd, direct, opencv
    for (const std::string& name : net.getLayerNames()) {
        cv::Ptr<cv::dnn::Layer> layer = net.getLayer(net.getLayerId(name));
        if (!layer || layer->type != "Convolution") continue;
        ConvLayerReport r;
#if CNNSCOPE_ONEDNN
        if (auto* fast = dynamic_cast<FastConvLayer*>(layer.get())) {
            r = fast->report(target);
            if (!cpuTarget) r.why = "target is not the cpu";
        } else {
            r.kernel = "opencv";
            r.why = "net built before the oneDNN layer was installed";
        }
#else
        r.kernel = "opencv";
        r.why = "built without oneDNN";
#endif
        r.name = endsWithConv(name) ? name.substr(0, name.size() - 5) : name;
        counts[r.kernel == "winograd" ? 0 : r.kernel == "direct" ? 1 : 2]++;
        rep.layers.push_back(std::move(r));
    }
    rep.summary = std::string(convModeName(convMode())) + ": " + std::to_string(counts[0]) + " winograd, " +
                  std::to_string(counts[1]) + " direct, " + std::to_string(counts[2]) + " opencv";
#if CNNSCOPE_ONEDNN
    rep.summary += " (oneDNN " + oneDnnVersion() + ")";
    if (cpuTarget && !winogradOnThisCpu()) rep.summary += std::string("; ") + kNoWinogradOnCpu;
#else
    rep.summary += " (built without oneDNN)";
#endif
    if (!cpuTarget) rep.summary += "; OpenCV's layers on this target";
    return rep;
}

std::string convReportJson(const ConvReport& r) {
    std::string s = std::string("{\"mode\": \"") + convModeName(convMode()) + "\", \"summary\": \"" + jsonEscape(r.summary) +
                    "\", \"engine\": \"" + jsonEscape(r.engine) + "\", \"precision\": \"" + r.precision + "\", \"layers\": [";
    for (size_t i = 0; i < r.layers.size(); ++i) {
        const ConvLayerReport& l = r.layers[i];
        s += (i ? ", " : "") + std::string("{\"layer\": \"") + jsonEscape(l.name) + "\", \"kernel\": \"" + l.kernel +
             "\", \"impl\": \"" + jsonEscape(l.impl) + "\", \"why\": \"" + jsonEscape(l.why) +
             "\", \"planned\": " + (l.planned ? "true" : "false") + "}";
    }
    return s + "]}";
}

std::string describe(const ConvLayerReport& r) {
    std::string s = r.kernel;
    if (!r.impl.empty()) s += " (" + r.impl + ")";
    if (!r.why.empty()) s += ": " + r.why;
    return s;
}

}  // namespace cnnscope
