// The window's style-transfer worker thread (see transfer_worker.hpp).
#include "app/transfer_worker.hpp"

#include "core/model/model.hpp"

#include <chrono>
#include <cmath>

namespace cnnscope::app {

TransferWorker::TransferWorker(TransferRequest request) : m_req(std::move(request)) {
    m_layer = m_req.layer;
    m_latest.iterations = m_req.iterations;
    m_latest.running = true;
    m_latest.size = m_req.size;
    m_thread = std::thread([this] { run(); });
}

TransferWorker::~TransferWorker() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
}

bool TransferWorker::take(TransferSnapshot& out, uint64_t& seen) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_latest.seq == seen) return false;
    out = m_latest;  // cv::Mat headers: the worker publishes fresh buffers, never writes these again
    seen = m_latest.seq;
    return true;
}

void TransferWorker::setLayer(const std::string& layer) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_layer = layer;
}

void TransferWorker::publish(TransferSnapshot s) {
    std::lock_guard<std::mutex> lock(m_mutex);
    s.seq = m_latest.seq + 1;
    m_latest = std::move(s);
}

void TransferWorker::run() {
    TransferSnapshot s = m_latest;
    auto failed = [&](const std::string& e) {
        s.error = e;
        s.running = false;
        publish(s);
    };
    session::CommonOptions o = m_req.common;
    o.quiet = true;
    o.inputSize.clear();
    o.target = m_req.target;
    auto model = session::loadModel(o);
    if (!model) return failed(model.error());
    if (auto st = model->setInputSize(m_req.size); !st) return failed(st.error());
    auto t = StyleTransfer::create(*model, m_req.content, m_req.style, m_req.size, m_req.opts);
    if (!t) return failed(t.error());
    const auto t0 = std::chrono::steady_clock::now();
    std::string layer;
    while (!m_stop && t->iteration() < m_req.iterations) {
        if (auto st = t->step(); !st) return failed(st.error());
        s.losses = t->losses();
        s.totals.push_back(s.losses.total);
        s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        cv::Mat image, act;  // fresh buffers: the UI may still hold the previous ones
        t->image(image);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            layer = m_layer;
        }
        if (auto st = model->forward(image, layer, act); !st) return failed(st.error());
        s.image = image;
        s.act = act.clone();
        s.layer = layer;
        publish(s);
    }
    s.running = false;
    s.finished = !m_stop;
    publish(s);
}

}  // namespace cnnscope::app
