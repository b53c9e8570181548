// The window's top-k feed (see topk_feeder.hpp).
#include "app/topk_feeder.hpp"

#include <chrono>

namespace cnnscope::app {

TopKFeeder::TopKFeeder() : m_thread([this] { loop(); }) {}

TopKFeeder::~TopKFeeder() {
    m_running = false;
    m_slot.wake();
    if (m_thread.joinable()) m_thread.join();
}

void TopKFeeder::feed(TopKFrame f) { m_slot.publish(f); }

void TopKFeeder::loop() {
    TopKFrame f;
    uint64_t seen = 0;
    while (m_running) {
        if (!m_slot.waitTake(f, seen, std::chrono::milliseconds(100)) || !m_running) continue;
        const auto t0 = std::chrono::steady_clock::now();
        if (f.generation != m_generation) {  // the window changed its model: older entries do not compare
            m_acc.reset();
            m_generation = f.generation;
        }
        m_acc.update(f.act, f.frame, f.layer, f.inputSize, f.frameIndex, f.seconds);
        m_lastMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        ++m_fed;
    }
}

}  // namespace cnnscope::app
