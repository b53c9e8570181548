// Resource limits.
#include "core/base/limits.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace cnnscope {

namespace {
std::atomic<int64_t> g_maxPixels{kDefaultMaxImagePixels};
}

int64_t maxImagePixels() { return g_maxPixels; }

void setMaxImagePixels(int64_t pixels) {
    g_maxPixels = pixels;
    ::setenv("CV_IO_MAX_IMAGE_PIXELS", std::to_string(pixels).c_str(), 1);
}

std::string humanBytes(double bytes) {
    char buf[64];
    if (bytes >= 1e9) std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
    else if (bytes >= 1e6) std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
    else std::snprintf(buf, sizeof buf, "%.0f KB", bytes / 1e3);
    return buf;
}

Status checkImagePixels(const std::string& what, cv::Size size) {
    const double px = double(size.width) * double(size.height);
    if (size.width <= 0 || size.height <= 0) return Error{what + " declares an empty size " + std::to_string(size.width) + "x" + std::to_string(size.height)};
    if (px > double(maxImagePixels()))
        return Error{what + " is " + std::to_string(size.width) + "x" + std::to_string(size.height) + " (" +
                     std::to_string(int64_t(px)) + " pixels), more than the limit of " + std::to_string(maxImagePixels()) +
                     " pixels; raise it with --max-pixels N if you mean it"};
    return {};
}

double memoryBudgetBytes() {
    if (const char* env = std::getenv("CNNSCOPE_MAX_MEMORY_MB"); env && *env) {
        char* end = nullptr;
        const double mb = std::strtod(env, &end);
        if (end != env && mb > 0) return mb * 1e6;
    }
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    const double phys = pages > 0 && page > 0 ? double(pages) * double(page) : 8e9;
    return phys / 2;
}

Status checkEnvironmentNumbers() {
    struct Setting {
        const char* name;
        double lo, hi;
        const char* unit;
    };
    static const Setting settings[] = {{"CNNSCOPE_MAX_MEMORY_MB", 1, 1e9, "megabytes"},
                                       {"CNNSCOPE_SOURCE_TIMEOUT_MS", 1, 3599999, "milliseconds"}};
    for (const Setting& e : settings) {
        const char* env = std::getenv(e.name);
        if (!env) continue;
        char* end = nullptr;
        const double v = std::strtod(env, &end);
        if (!*env || end == env || *end != '\0' || !std::isfinite(v) || v < e.lo || v > e.hi) {
            char range[64];
            std::snprintf(range, sizeof range, "%g to %g", e.lo, e.hi);
            return Error{std::string("$") + e.name + " is '" + env + "': it must be a number of " + e.unit + " from " + range +
                         "; fix it or unset it"};
        }
    }
    return {};
}

Status checkMemory(const std::string& what, double bytes) {
    const double budget = memoryBudgetBytes();
    if (bytes > budget)
        return Error{what + " would need about " + humanBytes(bytes) + " of memory, more than the " + humanBytes(budget) +
                     " budget (half the machine's memory, or $CNNSCOPE_MAX_MEMORY_MB); ask for less"};
    return {};
}

}  // namespace cnnscope
