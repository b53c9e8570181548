// The live pipeline.
#include "core/pipeline/pipeline.hpp"

#include "core/model/precision.hpp"

#include "core/unit/gram.hpp"

#include <algorithm>

#include <cmath>

namespace cnnscope {

namespace {
// Exponential moving average of a rate from the interval between events.
void updateRate(double& rate, Clock::time_point& last, Clock::time_point now) {
    if (last.time_since_epoch().count() != 0) {
        const double dt = std::chrono::duration<double>(now - last).count();
        if (dt > 0) rate = rate == 0 ? 1.0 / dt : 0.8 * rate + 0.2 / dt;
    }
    last = now;
}
}  // namespace

Pipeline::Pipeline(Model model) : m_model(std::move(model)) {
    m_layer = m_model.defaultLayer();
    m_inference = std::thread([this] { inferenceLoop(); });
}

Pipeline::~Pipeline() { stop(); }

void Pipeline::stop() {
    if (!m_running.exchange(false)) return;
    stopCapture();
    m_frames.wake();
    if (m_inference.joinable()) m_inference.join();  // the loop answers a request still waiting before it ends
}

// The layer request waiting, if any, run on the calling thread: the inference thread's, which
// runs the model's forwards (the oneDNN executor's scratchpad belongs to it).
void Pipeline::runPendingTask() {
    std::function<void(Model&)> task;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        task.swap(m_task);
    }
    if (task) task(m_model);
}

Model Pipeline::release() {
    stop();
    return std::move(m_model);
}

void Pipeline::stopCapture() {
    m_captureRunning = false;
    if (m_capture.joinable()) m_capture.join();
}

Status Pipeline::openSource(const std::string& spec) {
    auto src = FrameSource::open(spec);
    if (!src) return Error{src.error()};
    stopCapture();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_source = std::move(*src);
        m_spec = spec;
        m_sourceError.clear();
        m_captureFps = 0;
    }
    m_ended = false;
    m_seekTo = -1;
    m_captureRunning = true;
    m_capture = std::thread([this] { captureLoop(); });
    return {};
}

std::string Pipeline::sourceDescription() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_source ? m_source->describe() : std::string("no source");
}

bool Pipeline::sourceIsLive() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_source && m_source->live();
}

bool Pipeline::sourceIsStill() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_source && m_source->still();
}

void Pipeline::setLayer(const std::string& layer, bool recompute) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (layer == m_layer) return;
        m_layer = layer;
    }
    if (!recompute) return;
    ++m_layerVersion;
    m_frames.wake();
}

void Pipeline::recompute() {
    ++m_layerVersion;
    m_frames.wake();
}

void Pipeline::setStyle(std::shared_ptr<StyleStage> style) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_style = std::move(style);
    }
    ++m_layerVersion;  // the frame on screen is computed again, with or without the stage
    m_frames.wake();
}

std::string Pipeline::styleLabel() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_style ? m_style->label() : std::string();
}

void Pipeline::setCompare(bool compare) {
    if (m_compare.exchange(compare) == compare) return;
    ++m_layerVersion;
    m_frames.wake();
}

std::string Pipeline::layer() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_layer;
}

void Pipeline::setPaused(bool paused) { m_paused = paused; }
void Pipeline::step() { ++m_steps; }
void Pipeline::seek(int64_t frame) { m_seekTo = std::max<int64_t>(0, frame); }
void Pipeline::setSpeed(double speed) { m_speed = std::clamp(speed, 0.1, 8.0); }

std::string Pipeline::sourceError() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_sourceError;
}

std::string Pipeline::inferenceError() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_inferError;
}

PipelineStats Pipeline::stats() const {
    PipelineStats s;
    std::lock_guard<std::mutex> lock(m_mutex);
    s.captureFps = m_captureFps;
    s.inferFps = m_inferFps;
    s.inferMs = m_inferMs;
    s.inferences = m_inferences;
    s.framesCaptured = m_frames.published();
    s.framesDropped = m_frames.dropped();
    s.paused = m_paused;
    s.ended = m_ended;
    s.frameIndex = m_frameIndex;
    s.sourceFailures = m_sourceFailures;
    s.sourceReconnects = m_sourceReconnects;
    s.sourceFps = m_source ? m_source->fps() : 0;
    s.conv = m_conv;
    return s;
}

void Pipeline::captureLoop() {
    FramePacket packet;
    Clock::time_point lastCapture{}, nextDue = Clock::now();
    bool stillSent = false, firstSent = false;  // a source opened paused still shows its first frame
    FrameSource* src = nullptr;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        src = m_source.get();
    }
    while (m_captureRunning) {
        const int64_t seekTo = m_seekTo.exchange(-1);
        if (seekTo >= 0 && !src->still()) {
            if (!src->seek(seekTo)) src->rewind();
            m_ended = false;
            ++m_steps;  // show the frame sought to, even when paused
        }
        const bool wantFrame = !m_paused || m_steps > 0 || !firstSent;
        if (!wantFrame || (src->still() && stillSent) || (m_ended && !m_loop)) {
            if (m_ended && m_loop) m_ended = false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        // Files play at their own rate (times the speed); live sources run free.
        if (!src->live() && !src->still() && src->fps() > 0 && !m_paused) {
            const auto now = Clock::now();
            if (now < nextDue) {
                std::this_thread::sleep_for(std::min<Clock::duration>(nextDue - now, std::chrono::milliseconds(10)));
                continue;
            }
            const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / (src->fps() * m_speed)));
            nextDue = std::max(nextDue + period, now - period);
        }
        const ReadStatus st = src->read(packet.frame);
        if (st == ReadStatus::End) {
            if (m_loop && src->rewind()) continue;
            m_ended = true;
            continue;
        }
        if (st == ReadStatus::Error) {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_sourceError = src->lastError() + "; retrying every 2 s";
                ++m_sourceFailures;
            }
            // Retry: reopen the same spec until it works or capture stops.
            for (int i = 0; i < 20 && m_captureRunning; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (!m_captureRunning) break;
            auto again = FrameSource::open(m_spec);
            if (again) {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_source = std::move(*again);
                src = m_source.get();
                m_sourceError.clear();
                ++m_sourceReconnects;
            }
            continue;
        }
        if (m_steps > 0) --m_steps;
        firstSent = true;
        stillSent = src->still();
        packet.id = ++m_nextFrameId;
        packet.index = src->framesRead() - 1;
        packet.captured = Clock::now();
        m_frameIndex = packet.index;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            updateRate(m_captureFps, lastCapture, packet.captured);
        }
        m_frames.publish(packet);
    }
}

std::future<Expected<std::vector<cv::Mat>>> Pipeline::computeLayers(cv::Mat frame, std::vector<std::string> layers) {
    auto promise = std::make_shared<std::promise<Expected<std::vector<cv::Mat>>>>();
    auto future = promise->get_future();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_task || !m_running) {
            promise->set_value(Error{"busy: another sweep is being computed"});
            return future;
        }
        m_task = [promise, frame = std::move(frame), layers = std::move(layers)](Model& model) {
            std::vector<cv::Mat> outs;
            Status st = model.forward(frame, layers, outs);
            if (st) promise->set_value(std::move(outs));
            else promise->set_value(Error{st.error()});
        };
    }
    m_frames.wake();
    return future;
}

void Pipeline::inferenceLoop() {
    FramePacket current;
    InferenceResult result;
    uint64_t seenFrame = 0, doneLayerVersion = ~uint64_t(0), doneFrameId = 0;
    Clock::time_point lastDone{};
    std::string convLayer;
    ConvMode convModeSeen = ConvMode::Auto;
    Precision precisionSeen = requestedPrecision();
    bool convPlanned = true;
    Clock::time_point convAt{};
    while (m_running) {
        m_frames.waitTake(current, seenFrame, std::chrono::milliseconds(50));
        if (!m_running) break;
        runPendingTask();
        const uint64_t layerVersion = m_layerVersion.load();
        if (current.frame.empty() || (current.id == doneFrameId && layerVersion == doneLayerVersion)) continue;
        const std::string layer = this->layer();
        std::shared_ptr<StyleStage> style;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            style = m_style;
        }
        const bool compare = style && m_compare;
        const auto t0 = Clock::now();
        Status st;
        const cv::Mat* input = &current.frame;
        if (style) {
            st = style->apply(current.frame, result.frame);
            input = &result.frame;
            result.styleMs = style->lastMs();
        }
        if (st) st = m_model.forward(*input, layer, result.act);
        if (st && compare) st = m_model.forward(current.frame, layer, result.originalAct);
        if (st && compare) st = gramMatrix(result.act, result.gram);
        if (st && compare) st = gramMatrix(result.originalAct, result.originalGram);
        const auto t1 = Clock::now();
        doneFrameId = current.id;
        doneLayerVersion = layerVersion;
        if (!st) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_inferError = st.error();
            continue;
        }
        if (style) {
            current.frame.copyTo(result.original);
            result.style = style->label();
        } else {
            current.frame.copyTo(result.frame);
            result.original.release();
            result.style.clear();
            result.styleMs = 0;
        }
        if (!compare) {
            result.originalAct.release();
            result.gram.release();
            result.originalGram.release();
        }
        result.layer = layer;
        result.frameId = current.id;
        result.frameIndex = current.index;
        result.captured = current.captured;
        result.finished = t1;
        result.inferMs = std::chrono::duration<double, std::milli>(t1 - t0).count();
        // The conv report reads the net, so it is taken here, between forwards.
        // Layers past the one shown stay "planned": those are looked at again once a second.
        const Precision asked = requestedPrecision();
        if (layer != convLayer || convMode() != convModeSeen || asked != precisionSeen ||
            (convPlanned && t1 - convAt > std::chrono::seconds(1))) {
            convModeSeen = convMode();
            precisionSeen = asked;
            convAt = t1;
            auto report = std::make_shared<const ConvReport>(m_model.convReport());
            convLayer = layer;
            convPlanned = std::any_of(report->layers.begin(), report->layers.end(), [](const ConvLayerReport& l) { return l.planned; });
            std::lock_guard<std::mutex> lock(m_mutex);
            m_conv = std::move(report);
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_inferError.clear();
            m_inferMs = m_inferMs == 0 ? result.inferMs : 0.8 * m_inferMs + 0.2 * result.inferMs;
            updateRate(m_inferFps, lastDone, t1);
            ++m_inferences;
        }
        m_results.publish(result);
    }
    runPendingTask();  // stopped: a request set before the stop is answered here, not on the stopping thread
}

}  // namespace cnnscope
