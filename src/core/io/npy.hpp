// NumPy .npy (format 1.0) writer and reader for float32 arrays: raw activations for Python users.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace cnnscope {

// The header bytes for a little-endian float32 C-order array of `shape`.
std::string npyHeader(const std::vector<int>& shape);
// Writes an N-d CV_32F Mat atomically (temp file + rename).
Status writeNpy(const std::string& path, const cv::Mat& array);
// Parses a float32 .npy buffer (used by tests and round-trip checks).
Expected<cv::Mat> parseNpy(const std::string& bytes);

}  // namespace cnnscope
