// Parsing of user-typed values (sizes, source specs) shared by the CLI and the GUI.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>
#include <string>

namespace cnnscope {

// "WxH" (e.g. 224x224) or a single number N meaning NxN. Each side in [kMinInputSide, kMaxInputSide].
constexpr int kMinInputSide = 8;
constexpr int kMaxInputSide = 4096;
Expected<cv::Size> parseSize(const std::string& text, int minSide = 1, int maxSide = kMaxInputSide);

// Lower-case copy.
std::string lower(std::string s);
bool endsWith(const std::string& s, const std::string& suffix);
// The contents of a JSON string literal: quotes and backslashes escaped, control bytes dropped.
std::string jsonEscape(const std::string& s);
// A JSON number with `digits` significant digits. JSON has no NaN or Infinity: those are written
// as null, so that every JSON file cnnscope writes parses with any JSON reader. Every number in
// a JSON output goes through here (integers may be streamed as they are).
std::string jsonNumber(double v, int digits = 9);

}  // namespace cnnscope
