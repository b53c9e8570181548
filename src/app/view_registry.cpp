// The registry of the window's views (see view_registry.hpp) and the one list of them.
#include "app/view_registry.hpp"

#include "app/atlas_view.hpp"
#include "app/channels_view.hpp"
#include "app/compare_view.hpp"
#include "app/featvis_view.hpp"
#include "app/model2_view.hpp"
#include "app/transfer_view.hpp"
#include "app/unit_view.hpp"
#include "app/why_view.hpp"

#include <imgui.h>

#include <algorithm>

namespace cnnscope::app {

void registerViews(ViewRegistry& r) {
    r.add(std::make_unique<TransferView>());
    r.add(std::make_unique<AtlasView>());
    r.add(std::make_unique<WhyView>());
    r.add(std::make_unique<UnitView>());
    r.add(std::make_unique<FeatvisView>());
    r.add(std::make_unique<CompareView>());
    r.add(std::make_unique<Model2View>());
    r.add(std::make_unique<ChannelsView>());  // the panel and the stats JSON only
}

bool mapsOfModel(const cv::Mat& act, const std::string& layer, const Model& model) {
    const LayerInfo* shown = model.find(layer);
    return shown && act.dims == 4 && act.size[1] == shown->shape[0] && act.size[2] == shown->shape[1] && act.size[3] == shown->shape[2];
}

bool ViewContext::hovered(int& ch, int& tx, int& ty) const {
    const int C = act.empty() ? 0 : act.size[1];
    const gfx::PixelRect& r = screen.mapsRect;
    if (C == 0 || r.w <= 0) return false;
    cv::Point2f p;
    if (hover) {
        p = cv::Point2f(float(hover->x), float(hover->y));
    } else {
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        if (scripted || ImGui::GetIO().WantCaptureMouse) return false;  // scripted runs have no user
        p = cv::Point2f(mouse.x, mouse.y);
    }
    if (!r.contains(p.x, p.y)) return false;
    const int px = int(p.x) - r.x, py = int(p.y) - r.y;
    const int H = act.size[2], W = act.size[3];
    if (view.mode == ViewMode::Grid) {
        ch = screen.grid.channelAt(px, py, C, W, H, &tx, &ty);
    } else {
        ch = std::min(view.channel, C - 1);
        tx = std::min(W - 1, int((px + 0.5) * W / r.w));
        ty = std::min(H - 1, int((py + 0.5) * H / r.h));
    }
    return ch >= 0;
}

CanvasPlan ViewRegistry::plan(const ViewContext& c) const {
    CanvasPlan p;
    for (const auto& v : m_views)
        if (v->claim(c) == CanvasClaim::Canvas) {
            p.canvas = v.get();
            return p;
        }
    for (const auto& v : m_views) {
        const CanvasClaim k = v->claim(c);
        if (k == CanvasClaim::Column) p.columns.push_back(v.get());
        else if ((k == CanvasClaim::Maps || k == CanvasClaim::Compare) && !p.maps) {
            p.maps = v.get();
            p.compare = k == CanvasClaim::Compare;
        }
    }
    return p;
}

bool ViewRegistry::initGl(std::string* error) {
    for (auto& v : m_views)
        if (!v->initGl(error)) return false;
    return true;
}

void ViewRegistry::releaseGl() {
    for (auto& v : m_views) v->releaseGl();
}

void ViewRegistry::stop() {
    for (auto& v : m_views) v->stop();
}

bool ViewRegistry::supplyMaps(ViewContext& c) {
    m_mapsOwned = false;
    for (auto& v : m_views)
        if (v->supplyMaps(c)) return m_mapsOwned = true;
    return false;
}

void ViewRegistry::onResult(ViewContext& c) {
    for (auto& v : m_views) v->onResult(c);
}

void ViewRegistry::tick(ViewContext& c) {
    for (auto& v : m_views) v->tick(c);
}

bool ViewRegistry::onKey(KeyAction a, ViewContext& c) {
    for (auto& v : m_views)
        if (v->onKey(a, c)) return true;
    return false;
}

bool ViewRegistry::onPanelEvent(const ui::PanelEvent& e, ViewContext& c) {
    for (auto& v : m_views)
        if (v->onPanelEvent(e, c)) return true;
    return false;
}

bool ViewRegistry::onScriptArgument(const std::string& name, const std::string& value, ViewContext& c) {
    for (auto& v : m_views)
        if (v->onScriptArgument(name, value, c)) return true;
    return false;
}

void ViewRegistry::overlay(ImDrawList* dl, ViewContext& c) {
    for (auto& v : m_views) v->overlay(dl, c);
}

cv::Mat ViewRegistry::burnLabels(const cv::Mat& pixels, const ViewContext& c) const {
    cv::Mat out = pixels;
    for (const auto& v : m_views) out = v->burnLabels(out, c);
    return out;
}

void ViewRegistry::panel(ui::PanelInfo& info, const ViewContext& c) const {
    for (const auto& v : m_views) v->panel(info, c);
}

std::vector<std::string> ViewRegistry::banners(const ViewContext& c) const {
    std::vector<std::string> out;
    for (const auto& v : m_views)
        if (std::string b = v->banner(c); !b.empty()) out.push_back(std::move(b));
    return out;
}

void ViewRegistry::legends(std::vector<Legend>& out, const ViewContext& c) const {
    for (const auto& v : m_views) v->legends(out, c);
}

std::string ViewRegistry::captionSuffix(const ViewContext& c) const {
    std::string s;
    for (const auto& v : m_views) s += v->captionSuffix(c);
    return s;
}

void ViewRegistry::captionFacts(CaptionFacts& f, const ViewContext& c) const {
    for (const auto& v : m_views) v->captionFacts(f, c);
}

const char* ViewRegistry::inputTitle(const ViewContext& c) const {
    for (const auto& v : m_views)
        if (const char* t = v->inputTitle(c)) return t;
    return nullptr;
}

std::string ViewRegistry::statsJson(const ViewContext& c) const {
    std::string j;
    for (const auto& v : m_views)
        j += v->statsFields(c);
    return j;
}

bool ViewRegistry::computing(const ViewContext& c) const {
    return std::any_of(m_views.begin(), m_views.end(), [&](const auto& v) { return v->computing(c); });
}

bool ViewRegistry::showing(const ViewContext& c) const {
    return std::all_of(m_views.begin(), m_views.end(), [&](const auto& v) { return v->showing(c); });
}

int ViewRegistry::scriptState(const ViewContext& c, std::string* error) const {
    for (const auto& v : m_views)
        if (const int s = v->scriptState(c, error); s != 1) return s;
    return 1;
}

}  // namespace cnnscope::app
