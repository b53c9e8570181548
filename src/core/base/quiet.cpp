// Hiding third-party stderr noise.
#include "core/base/quiet.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

namespace cnnscope {

namespace {
std::atomic<bool> g_verbose{false};
std::mutex g_mutex;
int g_depth = 0;
int g_saved = -1;
}  // namespace

void setVerbose(bool on) {
    g_verbose = on;
    // FFmpeg (and its swscaler) log from their own threads and from every decode and encode, not
    // only while a QuietStderr is alive: OpenCV sets FFmpeg's log level from this variable when it
    // first loads FFmpeg, and AV_LOG_QUIET (-8) keeps it silent. --verbose leaves OpenCV's default
    // (errors); a value the user set is kept.
    if (!on) ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0);
}
bool verbose() { return g_verbose; }

QuietStderr::QuietStderr() {
    if (g_verbose) return;
    std::lock_guard<std::mutex> lock(g_mutex);
    m_active = true;
    if (g_depth++ > 0) return;
    std::fflush(stderr);
    g_saved = ::dup(STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, STDERR_FILENO);
        ::close(null);
    }
}

QuietStderr::~QuietStderr() {
    if (!m_active) return;
    std::lock_guard<std::mutex> lock(g_mutex);
    if (--g_depth > 0) return;
    std::fflush(stderr);
    if (g_saved >= 0) {
        ::dup2(g_saved, STDERR_FILENO);
        ::close(g_saved);
        g_saved = -1;
    }
}

}  // namespace cnnscope
