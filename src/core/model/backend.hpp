// Backend/target names <-> OpenCV dnn enums, in one table; detection of what really runs.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/dnn.hpp>

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
    std::string device;  // the device that runs it: "CPU", or the OpenCL device's name and platform
    std::string note;    // why actual != requested, empty otherwise
    std::string check;   // a target other than the cpu: the result of its check against the cpu
    double checkDiff = -1;  // that check's largest difference relative to the layer's range (-1: none)
    int backend = 0;
    int target = 0;
};

// "opencl on <device>" or "cpu": what the reports name.
std::string targetLabel(const TargetChoice& c);
// The JSON fields the stats and bench documents carry besides "target" (what ran):
// "target_requested", "target_device", "target_check" (a string, empty for the cpu),
// "target_check_diff" (null when unchecked), "target_note".
std::string targetJsonFields(const TargetChoice& c);

// The OpenCL devices OpenCV's runtime sees (all platforms, all types), and the one it uses.
struct OpenClDevice {
    std::string name, platform, type, version;
    bool used = false;  // OpenCV's default device, the one `--target opencl` runs on
};
std::vector<OpenClDevice> openClDevices();
std::string openClDeviceName();  // "NAME (PLATFORM, TYPE)" of the device used, empty when none

// OpenCV 4.6's dnn runs its OpenCL target only on GPUs (the fp16 one only on Intel's) unless
// OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES is set, and it reads that when the library loads; the rest
// of the time it switches to the CPU silently. Sets it (a user's own value is left alone) and,
// when `--opencl-device D` is in argv, OPENCV_OPENCL_DEVICE=D. True when the environment changed:
// main() then re-executes the program so that OpenCV loads with it.
bool prepareOpenClEnvironment(int argc, char** argv);

// The largest |target - cpu| over the maps of `layers` (net names), relative to each layer's
// largest |cpu| value, for one input blob: runs the net on the cpu and on `c`'s target, leaves it
// on `c`'s target. An exception on the target is an error naming it.
Expected<double> compareWithCpu(cv::dnn::Net& net, const cv::Mat& blob, const std::vector<std::string>& layers,
                                const TargetChoice& c, std::string* worstLayer);
// The largest difference accepted for a target: 1e-3 for FP32, 5e-2 for FP16;
// $CNNSCOPE_TARGET_TOLERANCE overrides it (the tests refuse a device with 0).
double targetTolerance(const TargetChoice& c);

// The check every target other than the cpu gets when it is chosen: `blob` (a preprocessed
// targetCheckFrame) through all of `layers` on both, compared. Within the tolerance, c.check and
// c.checkDiff say so; beyond it, or when the target fails, the net goes back to the cpu and c
// says why in c.note (actual "cpu", the device refused).
void checkTarget(cv::dnn::Net& net, const cv::Mat& blob, const std::vector<std::string>& layers, TargetChoice& c);
cv::Mat targetCheckFrame(cv::Size size);  // a fixed pseudo-random BGR image (the same on every run)

// An unknown name is an error; a known but unavailable one falls back to cpu with a note.
Expected<TargetChoice> chooseTarget(const std::string& name);

}  // namespace cnnscope
