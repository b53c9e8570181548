// Parsing of user-typed values shared by the CLI and the GUI.
#include "core/base/parse.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace cnnscope {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string jsonEscape(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) o += c;
    }
    return o;
}

std::string jsonNumber(double v, int digits) {
    if (!std::isfinite(v)) return "null";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v == 0 ? 0.0 : v);  // -0 as 0
    return buf;
}

static bool parseInt(const std::string& s, long& out) {
    if (s.empty() || s.size() > 9) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = std::stol(s);
    return true;
}

Expected<cv::Size> parseSize(const std::string& text, int minSide, int maxSide) {
    const std::string t = lower(text);
    const auto x = t.find('x');
    long w = 0, h = 0;
    bool ok = x == std::string::npos ? (parseInt(t, w) && (h = w, true))
                                     : (parseInt(t.substr(0, x), w) && parseInt(t.substr(x + 1), h));
    if (!ok)
        return Error{"invalid size '" + text + "': expected WxH, e.g. 224x224"};
    if (w < minSide || h < minSide || w > maxSide || h > maxSide)
        return Error{"size '" + text + "' out of range: each side must be between " + std::to_string(minSide) +
                     " and " + std::to_string(maxSide)};
    return cv::Size(int(w), int(h));
}

}  // namespace cnnscope
