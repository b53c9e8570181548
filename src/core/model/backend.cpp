// Backend/target table and detection.
#include "core/model/backend.hpp"

#include "core/base/parse.hpp"

#include <opencv2/core/ocl.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cstdlib>

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

static bool offered(const TargetEntry& e) {
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
        c.note = std::string("target '") + it->name + "' is not offered by this OpenCV build on this machine (available: " +
                 avail + "); using cpu";
        c.backend = table[0].backend;
        c.target = table[0].target;
        return c;
    }
    c.actual = it->name;
    c.backend = it->backend;
    c.target = it->target;
    if (it->target == cv::dnn::DNN_TARGET_OPENCL || it->target == cv::dnn::DNN_TARGET_OPENCL_FP16) {
        // OpenCV dnn runs OpenCL only on GPUs unless told otherwise, and falls back silently.
        const cv::ocl::Device& dev = cv::ocl::Device::getDefault();
        const bool allowAll = std::getenv("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES") != nullptr;
        if (!dev.available() || ((dev.type() & cv::ocl::Device::TYPE_GPU) == 0 && !allowAll)) {
            c.actual = "cpu";
            c.note = "OpenCL device '" + (dev.available() ? dev.name() : std::string("none")) +
                     "' is not a GPU: OpenCV dnn runs the CPU path (set OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES=1 to force it)";
        }
    }
    return c;
}

}  // namespace cnnscope
