// The window's top-k feed (see topk_feeder.hpp).
#include "app/topk_feeder.hpp"

#include <chrono>

namespace cnnscope::app {

void TopKFeeder::merge(const TopKFrame& f) {
    const auto t0 = std::chrono::steady_clock::now();
    if (f.generation != m_generation) {  // the window changed its model: older entries do not compare
        m_acc.reset();
        m_generation = f.generation;
    }
    m_acc.update(f.act, f.frame, f.layer, f.inputSize, f.frameIndex, f.seconds);
    m_lastMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++m_fed;
}

}  // namespace cnnscope::app
