// Backend/target names <-> OpenCV dnn enums, in one table; detection of what really runs.
#pragma once

#include "core/base/expected.hpp"

#include <string>
#include <vector>

namespace cnnscope {

struct TargetEntry {
    const char* name;     // cpu, opencl, opencl_fp16, cuda, cuda_fp16
    int backend;          // cv::dnn::Backend
    int target;           // cv::dnn::Target
    const char* summary;
};

const std::vector<TargetEntry>& targetTable();
std::string targetNames();  // "cpu, opencl, ..."

// Names from the table that this OpenCV build and this machine offer.
std::vector<std::string> availableTargets();

struct TargetChoice {
    std::string requested;
    std::string actual;  // what really runs (OpenCV silently falls back for OpenCL on CPU devices)
    std::string note;    // why actual != requested, empty otherwise
    int backend = 0;
    int target = 0;
};

// An unknown name is an error; a known but unavailable one falls back to cpu with a note.
Expected<TargetChoice> chooseTarget(const std::string& name);

}  // namespace cnnscope
