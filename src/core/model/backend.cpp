// Backend/target table and detection.
#include "core/model/backend.hpp"

#include "core/base/parse.hpp"
#include "core/base/quiet.hpp"

#include <opencv2/core/ocl.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace cnnscope {

const std::vector<TargetEntry>& targetTable() {
    using namespace cv::dnn;
    static const std::vector<TargetEntry> table = {
        {"cpu", DNN_BACKEND_OPENCV, DNN_TARGET_CPU, "OpenCV dnn on the CPU (always there; convolutions per --conv, below)"},
        {"opencl", DNN_BACKEND_OPENCV, DNN_TARGET_OPENCL, "OpenCL device, FP32"},
        {"opencl_fp16", DNN_BACKEND_OPENCV, DNN_TARGET_OPENCL_FP16, "OpenCL device, FP16"},
        {"cuda", DNN_BACKEND_CUDA, DNN_TARGET_CUDA, "NVIDIA GPU through cuDNN (OpenCV built with CUDA only)"},
        {"cuda_fp16", DNN_BACKEND_CUDA, DNN_TARGET_CUDA_FP16, "NVIDIA GPU, FP16"},
    };
    return table;
}

std::string targetNames() {
    std::string s;
    for (const auto& e : targetTable()) s += (s.empty() ? "" : ", ") + std::string(e.name);
    return s;
}

// OpenCV's own parse of the variable (utils::getConfigurationParameterBool).
static bool openClAllowAll() {
    const char* v = std::getenv("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES");
    if (!v) return false;
    const std::string s = lower(v);
    return s == "1" || s == "true" || s == "on";
}

static bool offered(const TargetEntry& e) {
    // The cpu is always there. Asking OpenCV would load the OpenCL runtime, and POCL writes its
    // kernel cache under ~/.cache on every load: a run that never asked for OpenCL must not.
    if (e.backend == cv::dnn::DNN_BACKEND_OPENCV && e.target == cv::dnn::DNN_TARGET_CPU) return true;
    try {
        const auto targets = cv::dnn::getAvailableTargets(cv::dnn::Backend(e.backend));
        return std::find(targets.begin(), targets.end(), cv::dnn::Target(e.target)) != targets.end();
    } catch (const cv::Exception&) {
        return false;
    }
}

std::vector<std::string> availableTargets() {
    std::vector<std::string> names;
    for (const auto& e : targetTable())
        if (offered(e)) names.emplace_back(e.name);
    return names;
}

Expected<TargetChoice> chooseTarget(const std::string& rawName) {
    const std::string name = lower(rawName);
    const auto& table = targetTable();
    auto it = std::find_if(table.begin(), table.end(), [&](const TargetEntry& e) { return name == e.name; });
    if (it == table.end())
        return Error{"unknown target '" + rawName + "'; choose one of: " + targetNames()};
    TargetChoice c;
    c.requested = it->name;
    if (!offered(*it)) {
        std::string avail;
        for (const auto& n : availableTargets()) avail += (avail.empty() ? "" : ", ") + n;
        c.actual = "cpu";
        c.device = "CPU";
        std::string why;
        const char* pick = std::getenv("OPENCV_OPENCL_DEVICE");
        if (it->target == cv::dnn::DNN_TARGET_OPENCL || it->target == cv::dnn::DNN_TARGET_OPENCL_FP16)
            why = openClDevices().empty() ? "; no OpenCL device found (install your GPU's OpenCL ICD, or pocl-opencl-icd for the CPU)"
                  : pick && *pick ? std::string("; OPENCV_OPENCL_DEVICE / --opencl-device '") + pick +
                                        "' matches none of the OpenCL devices (`cnnscope targets` lists them)"
                                  : "; OpenCV takes GPU devices only by default (--opencl-device :CPU: picks a CPU one)";
        c.note = std::string("target '") + it->name + "' is not offered by this OpenCV build on this machine (available: " +
                 avail + ")" + why + "; using cpu";
        c.backend = table[0].backend;
        c.target = table[0].target;
        return c;
    }
    c.actual = it->name;
    c.backend = it->backend;
    c.target = it->target;
    c.device = "CPU";
    if (it->target == cv::dnn::DNN_TARGET_OPENCL || it->target == cv::dnn::DNN_TARGET_OPENCL_FP16) {
        // OpenCV dnn's own rule (net_impl.cpp, read when the library loads): without
        // OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES, OpenCL runs on GPUs only and FP16 on Intel's only.
        const cv::ocl::Device& dev = cv::ocl::Device::getDefault();
        c.device = openClDeviceName();
        const bool gpu = dev.available() && (dev.type() & cv::ocl::Device::TYPE_GPU) != 0;
        if (!dev.available() || (!gpu && !openClAllowAll())) {
            c.actual = "cpu";
            c.backend = table[0].backend;
            c.target = table[0].target;
            c.note = "OpenCL device '" + (dev.available() ? c.device : std::string("none")) +
                     "' is not a GPU and OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES is off: OpenCV dnn would run the CPU path; using cpu";
            c.device = "CPU";
        } else if (it->target == cv::dnn::DNN_TARGET_OPENCL_FP16 && !openClAllowAll() && !dev.isIntel()) {
            c.actual = "opencl";
            c.target = cv::dnn::DNN_TARGET_OPENCL;
            c.note = "OpenCV dnn runs opencl_fp16 on Intel GPUs only unless OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES is on; using opencl (FP32)";
        }
    }
    return c;
}

std::string targetLabel(const TargetChoice& c) {
    if (c.actual == "cpu" || c.device.empty()) return c.actual;
    return c.actual + " on " + c.device;
}

static std::string jsonText(const std::string& s) { return "\"" + jsonEscape(s) + "\""; }

std::string targetJsonFields(const TargetChoice& c) {
    return "\"target_requested\": " + jsonText(c.requested) + ", \"target_device\": " + jsonText(c.device) +
           ", \"target_check\": " + jsonText(c.check) +
           ", \"target_check_diff\": " + (c.checkDiff >= 0 ? cv::format("%.3g", c.checkDiff) : std::string("null")) +
           ", \"target_note\": " + jsonText(c.note);
}

std::vector<OpenClDevice> openClDevices() {
    std::vector<OpenClDevice> out;
    if (!cv::ocl::haveOpenCL()) return out;
    const cv::ocl::Device& used = cv::ocl::Device::getDefault();
    std::vector<cv::ocl::PlatformInfo> platforms;
    try {
        cv::ocl::getPlatfomsInfo(platforms);
    } catch (const cv::Exception&) {
        return out;
    }
    for (const auto& p : platforms)
        for (int i = 0; i < p.deviceNumber(); ++i) {
            cv::ocl::Device d;
            p.getDevice(d, i);
            OpenClDevice o;
            o.name = d.name();
            o.platform = p.name();
            const int t = d.type();
            o.type = (t & cv::ocl::Device::TYPE_GPU) ? "GPU" : (t & cv::ocl::Device::TYPE_CPU) ? "CPU"
                     : (t & cv::ocl::Device::TYPE_ACCELERATOR)                                   ? "accelerator"
                                                                                                 : "other";
            o.version = d.version();
            o.used = used.available() && used.ptr() && d.ptr() == used.ptr();
            out.push_back(o);
        }
    if (used.available()) {
        bool marked = false;
        for (const auto& o : out) marked = marked || o.used;
        if (!marked)  // OpenCV's default device is its own handle: match it by name
            for (auto& o : out)
                if (o.name == used.name()) {
                    o.used = true;
                    break;
                }
    }
    return out;
}

std::string openClDeviceName() {
    if (!cv::ocl::haveOpenCL()) return {};
    const cv::ocl::Device& d = cv::ocl::Device::getDefault();
    if (!d.available()) return {};
    for (const auto& o : openClDevices())
        if (o.used) return o.name + " (" + o.platform + ", " + o.type + ")";
    return d.name();
}

bool prepareOpenClEnvironment(int argc, char** argv) {
    bool changed = false;
    for (int i = 1; i < argc; ++i) {
        std::string value;
        if (std::strcmp(argv[i], "--opencl-device") == 0 && i + 1 < argc) value = argv[i + 1];
        else if (std::strncmp(argv[i], "--opencl-device=", 16) == 0) value = argv[i] + 16;
        else continue;
        const char* now = std::getenv("OPENCV_OPENCL_DEVICE");
        if (!now || value != now) {
            ::setenv("OPENCV_OPENCL_DEVICE", value.c_str(), 1);
            changed = true;
        }
        break;
    }
    if (!std::getenv("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES")) {
        ::setenv("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES", "1", 1);
        changed = true;
    }
    return changed;
}

Expected<double> compareWithCpu(cv::dnn::Net& net, const cv::Mat& blob, const std::vector<std::string>& layers,
                                const TargetChoice& c, std::string* worstLayer) {
    std::vector<cv::Mat> outs, ref;
    auto run = [&](int backend, int target, std::vector<cv::Mat>& into) {
        net.setPreferableBackend(backend);
        net.setPreferableTarget(target);
        net.setInput(blob);
        net.forward(into, layers);
    };
    run(cv::dnn::DNN_BACKEND_OPENCV, cv::dnn::DNN_TARGET_CPU, outs);
    for (const auto& m : outs) ref.push_back(m.clone());  // the cpu net's blobs go with its next forward
    try {
        // OpenCV prints OpenCL build logs on stdout itself (POCL rejects ocl4dnn's probe kernel's
        // options once per process): hide them with the other third-party noise, unless --verbose.
        QuietStderr quiet;
        std::fflush(stdout);
        const int savedOut = verbose() ? -1 : ::dup(1);
        if (savedOut >= 0) ::dup2(2, 1);
        struct Restore {
            int fd;
            ~Restore() {
                if (fd < 0) return;
                std::fflush(stdout);
                ::dup2(fd, 1);
                ::close(fd);
            }
        } restore{savedOut};
        run(c.backend, c.target, outs);
    } catch (const cv::Exception& e) {
        return Error{"target '" + c.actual + "' failed on " + c.device + ": " + (e.err.empty() ? std::string(e.what()) : e.err)};
    }
    double worst = 0;
    for (size_t i = 0; i < ref.size() && i < outs.size(); ++i) {
        double range = cv::norm(ref[i], cv::NORM_INF);
        cv::Mat a = ref[i].reshape(1, 1), b = outs[i].reshape(1, 1);
        if (a.total() != b.total()) return Error{"target '" + c.actual + "' gave layer '" + layers[i] + "' another shape than the cpu"};
        double d = cv::norm(a, b, cv::NORM_INF);
        if (!std::isfinite(d)) d = HUGE_VAL;
        const double rel = d / std::max(range, 1e-12);
        if (i == 0 || rel > worst) {
            worst = rel;
            if (worstLayer) *worstLayer = layers[i];
        }
    }
    return worst;
}

double targetTolerance(const TargetChoice& c) {
    if (const char* env = std::getenv("CNNSCOPE_TARGET_TOLERANCE"); env && *env) {
        char* end = nullptr;
        const double v = std::strtod(env, &end);
        if (end && *end == 0 && v >= 0) return v;
    }
    const bool half = c.target == cv::dnn::DNN_TARGET_OPENCL_FP16 || c.target == cv::dnn::DNN_TARGET_CUDA_FP16;
    return half ? 5e-2 : 1e-3;
}

void checkTarget(cv::dnn::Net& net, const cv::Mat& blob, const std::vector<std::string>& layers, TargetChoice& c) {
    std::string worstLayer;
    auto diff = compareWithCpu(net, blob, layers, c, &worstLayer);
    const double tol = targetTolerance(c);
    if (diff && *diff <= tol) {
        c.checkDiff = *diff;
        c.check = cv::format("checked against the cpu: largest difference %.2g of the layer's range (%s; tolerance %.2g)", *diff,
                             worstLayer.c_str(), tol);
        return;
    }
    const std::string why = diff ? cv::format("its maps differ from the cpu's by %.3g of the layer's range at %s (tolerance %.2g)",
                                              *diff, worstLayer.c_str(), tol)
                                 : diff.error();
    c.note = "target '" + c.actual + "' refused on " + c.device + ": " + why + "; using cpu";
    c.checkDiff = diff ? *diff : -1;
    c.check.clear();
    c.actual = "cpu";
    c.device = "CPU";
    c.backend = cv::dnn::DNN_BACKEND_OPENCV;
    c.target = cv::dnn::DNN_TARGET_CPU;
    net.setPreferableBackend(c.backend);
    net.setPreferableTarget(c.target);
}

cv::Mat targetCheckFrame(cv::Size size) {
    cv::Mat frame(size, CV_8UC3);
    cv::RNG rng(0x5eed);
    rng.fill(frame, cv::RNG::UNIFORM, 0, 256);
    return frame;
}

}  // namespace cnnscope
