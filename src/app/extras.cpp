// The window's side of the trained-weights download (app/weights_download: the live model reload
// when done) and the convolution kernel choice (process-wide mode, what really runs).
#include "app/gui_impl.hpp"

#include "core/model/conv_mode.hpp"
#include "core/model/precision.hpp"

namespace cnnscope::app::detail {

void Gui::startDownload(const std::string& entry) {
    auto started = m_download.start(entry);
    if (!started) post(started.error(), ui::Message::Level::Error);
    else post(*started);
}

void Gui::cancelDownload() { m_download.cancel(); }

// Called once per UI frame: a finished download reloads the model (success) or says why not.
void Gui::pollDownload() {
    const auto outcome = m_download.poll();
    if (!outcome) return;
    post(outcome->message, outcome->level);
    if (outcome->modelPath.empty()) return;
    m_inputs.modelText = outcome->modelPath;
    applyPanelEvent({ui::PanelEvent::Kind::LoadModel, outcome->modelPath});  // the window's model-reload path
}

void Gui::setConv(const std::string& name) {
    auto mode = parseConvMode(name);
    if (!mode) {
        post("--conv: " + mode.error(), ui::Message::Level::Error);
        return;
    }
    setConvMode(*mode);
    m_opts.common.conv = convModeName(*mode);  // a later model or target reload keeps it
    // The frame on screen is computed again with the new kernel (and cached layers are stale).
    m_maps.layerCache.clear();
    m_maps.prefetchFrameId = 0;
    m_pipeline->recompute();
    post(std::string("convolution: ") + convModeName(*mode));
}

void Gui::setPrecisionName(const std::string& name) {
    auto p = parsePrecision(name);
    if (!p) {
        post("--precision: " + p.error(), ui::Message::Level::Error);
        return;
    }
    setPrecision(*p);
    m_opts.common.precision = precisionName(*p);  // a later model or target reload keeps it
    m_maps.layerCache.clear();  // cached layers were computed in the other precision
    m_maps.prefetchFrameId = 0;
    m_pipeline->recompute();
    const PrecisionChoice c = currentPrecision();
    post(std::string("precision: ") + precisionName(*p) + " runs " + precisionName(c.actual) + (c.note.empty() ? "" : " (" + c.note + ")"));
}

bool Gui::convReportCurrent() const {
    const auto conv = m_pipeline->stats().conv;
    return !conv || (conv->summary.rfind(std::string(convModeName(convMode())) + ":", 0) == 0 &&
                     conv->requested == precisionName(requestedPrecision()));
}

void Gui::cycleConv() {
    setConv(convModeName(ConvMode((int(convMode()) + 1) % 4)));
}

void Gui::fillExtras(ui::PanelInfo& info) const {
    info.convMode = convModeName(convMode());
    info.precision = precisionName(requestedPrecision());
    if (const auto conv = m_pipeline->stats().conv) {
        info.convSummary = conv->summary;
        info.precisionRan = conv->engine;
        for (const ConvLayerReport& l : conv->layers) info.convLayers.push_back(l.name + ": " + describe(l) + (l.planned ? " (planned)" : ""));
    }
    m_download.fill(info);
}

// Lines for the stats JSON: "conv" (what runs, as bench --json) and "download".
std::string Gui::extrasJson() const {
    const auto conv = m_pipeline->stats().conv;
    std::string j = "  \"conv_mode\": \"" + std::string(convModeName(convMode())) + "\",\n";
    j += "  \"precision_requested\": \"" + std::string(precisionName(requestedPrecision())) + "\",\n";
    j += "  \"conv\": " + (conv ? convReportJson(*conv) : std::string("null")) + ",\n";
    j += "  \"model_source\": \"" + jsonEscape(m_pipeline->model().source()) + "\",\n";
    j += m_download.json();
    return j;
}

}  // namespace cnnscope::app::detail
