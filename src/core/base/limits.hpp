// Resource limits checked before memory is spent: image pixels and allocation estimates, with the
// numbers in the refusal.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace cnnscope {

// Largest image or video frame accepted, in pixels (the global --max-pixels raises it).
constexpr int64_t kDefaultMaxImagePixels = 100'000'000;
int64_t maxImagePixels();
// Also sets OpenCV's own CV_IO_MAX_IMAGE_PIXELS (call before the first image is decoded).
void setMaxImagePixels(int64_t pixels);
Status checkImagePixels(const std::string& what, cv::Size size);

// Memory a single run may plan to allocate: half the physical memory, or $CNNSCOPE_MAX_MEMORY_MB.
double memoryBudgetBytes();
// The numeric environment settings ($CNNSCOPE_MAX_MEMORY_MB, $CNNSCOPE_SOURCE_TIMEOUT_MS): each,
// when set, a finite number in its range, else one error naming the variable, its value and the
// range. main() checks them once before any command runs, so that a typo is never ignored.
Status checkEnvironmentNumbers();
// Refuses `bytes` (an estimate from shapes) above the budget, naming `what` and both numbers.
Status checkMemory(const std::string& what, double bytes);
std::string humanBytes(double bytes);

}  // namespace cnnscope
