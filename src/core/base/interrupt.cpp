// Cooperative cancellation on SIGINT/SIGTERM.
#include "core/base/interrupt.hpp"

#include <atomic>
#include <climits>
#include <csignal>
#include <cstring>
#include <mutex>
#include <unistd.h>

namespace cnnscope {

namespace {
std::atomic<int> g_signals{0};

// Slots the signal handler reads without locking: a slot's path is written before its flag is
// set and its flag cleared before the path is reused.
constexpr int kSlots = 32;
char g_paths[kSlots][PATH_MAX];
std::atomic<bool> g_used[kSlots];
std::mutex g_slotMutex;

extern "C" void onSignal(int sig) {
    if (g_signals.fetch_add(1) > 0) {
        for (int i = 0; i < kSlots; ++i)
            if (g_used[i].load()) ::unlink(g_paths[i]);
        _exit(128 + sig);
    }
}
}  // namespace

void installInterruptHandlers() {
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_signals.load() > 0; }

void registerTemporary(const std::string& path) {
    if (path.size() >= size_t(PATH_MAX)) return;
    std::lock_guard<std::mutex> lock(g_slotMutex);
    for (int i = 0; i < kSlots; ++i)
        if (!g_used[i].load()) {
            std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
            g_used[i].store(true);
            return;
        }
}

void unregisterTemporary(const std::string& path) {
    std::lock_guard<std::mutex> lock(g_slotMutex);
    for (int i = 0; i < kSlots; ++i)
        if (g_used[i].load() && path == g_paths[i]) {
            g_used[i].store(false);
            return;
        }
}

}  // namespace cnnscope
