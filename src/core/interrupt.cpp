// Cooperative cancellation on SIGINT/SIGTERM.
#include "core/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace cnnscope {

namespace {
std::atomic<int> g_signals{0};

extern "C" void onSignal(int sig) {
    if (g_signals.fetch_add(1) > 0) _exit(128 + sig);
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

}  // namespace cnnscope
