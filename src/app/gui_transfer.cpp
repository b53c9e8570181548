// The style transfer's glue (the part itself: app/transfer_view): a run started on the frame on
// screen, stopped or saved from the panel, its snapshot on screen, and the scripted --transfer.
#include "app/gui_impl.hpp"

namespace cnnscope::app::detail {

Status Gui::startTransfer(const std::string& styleImage, int iterations) {
    if (m_result.frame.empty()) return Error{"transfer: no frame on screen yet"};
    TransferRequest r;
    r.common = m_opts.common;
    r.common.model = m_pipeline->model().untrained() ? std::string() : m_pipeline->model().source();
    r.common.untrained = m_pipeline->model().untrained();
    r.target = m_pipeline->model().target().actual;
    r.content = m_result.frame.clone();
    cv::Size size;  // empty: the default working size
    if (!m_opts.transferSize.empty() && m_opts.transfer == styleImage)
        if (auto s = parseSize(m_opts.transferSize, 16, 2048); s) size = *s;
    r.layer = m_view.layer;
    r.iterations = iterations;
    if (auto st = m_transfer.start(std::move(r), styleImage, size, m_stats.framesRendered()); !st) return st;
    m_pipeline->setPaused(true);
    m_view.showInput = true;  // the image as it changes, beside its maps
    post("transfer: " + std::to_string(iterations) + " iterations towards " + styleImage);
    return {};
}

void Gui::stopTransfer(bool close) {
    if (!m_transfer.active()) return;
    m_transfer.stop(close);
    if (!close) return;
    m_resultSeen = 0;  // the pipeline's frame and maps come back
    m_layerCache.clear();
    post("transfer closed");
}

bool Gui::transferTick() {
    if (!m_opts.transfer.empty() && !m_transfer.autoStarted() && !m_result.frame.empty()) {
        m_transfer.markAutoStarted();
        if (auto st = startTransfer(m_opts.transfer, m_opts.transferIterations); !st) m_transfer.setError(st.error());
    }
    if (!m_transfer.active()) return false;
    if (!m_transfer.update(m_view.layer, m_stats.framesRendered(), poster())) return true;
    const TransferSnapshot& s = m_transfer.shot();
    if (s.act.empty()) return true;
    m_act = s.act;
    m_shownLayer = s.layer;
    refreshRanges();
    m_renderer.upload(m_act, m_ranges);
    m_renderer.uploadFrame(s.image);
    return true;
}

int Gui::transferScriptState() {
    if (m_opts.transfer.empty()) return 1;
    if (!m_transfer.error().empty()) {
        m_exitCode = cli::fail(m_transfer.error());
        m_script.complete();  // failed, said so: no second "stopped" line
        return -1;
    }
    return m_transfer.shot().finished && m_transfer.shot().layer == m_view.layer ? 1 : 0;
}

}  // namespace cnnscope::app::detail
