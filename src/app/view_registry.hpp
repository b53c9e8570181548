// The registry of the window's views (app/view.hpp): it owns them, in the order the window asks
// them (which is also the canvas's priority), and decides the canvas once per UI frame. The one
// list of views is registerViews(); adding a view is its own files and one line there.
#pragma once

#include "app/view.hpp"

#include <memory>
#include <vector>

namespace cnnscope::app {


class ViewRegistry {
public:
    template <class V>
    V& add(std::unique_ptr<V> v) {
        V& ref = *v;
        m_views.push_back(std::move(v));
        return ref;
    }
    const std::vector<std::unique_ptr<View>>& all() const { return m_views; }

    // The first Canvas claimer, else the Column claimers and the first Maps or Compare claimer:
    // the canvas's priority is the registry's order.
    CanvasPlan plan(const ViewContext& c) const;

    bool initGl(std::string* error);
    void releaseGl();
    void stop();
    bool supplyMaps(ViewContext& c);  // the first view whose own maps are on screen (the rest not asked)
    bool mapsOwned() const { return m_mapsOwned; }  // as the last supplyMaps found
    void onResult(ViewContext& c);
    void tick(ViewContext& c);
    bool onKey(KeyAction a, ViewContext& c);
    bool onPanelEvent(const ui::PanelEvent& e, ViewContext& c);
    bool onScriptArgument(const std::string& name, const std::string& value, ViewContext& c);
    void overlay(ImDrawList* dl, ViewContext& c);
    cv::Mat burnLabels(const cv::Mat& pixels, const ViewContext& c) const;
    void panel(ui::PanelInfo& info, const ViewContext& c) const;
    std::vector<std::string> banners(const ViewContext& c) const;
    void legends(std::vector<Legend>& out, const ViewContext& c) const;
    std::string captionSuffix(const ViewContext& c) const;
    void captionFacts(CaptionFacts& f, const ViewContext& c) const;
    const char* inputTitle(const ViewContext& c) const;
    std::string statsJson(const ViewContext& c) const;  // every view's statsFields
    bool computing(const ViewContext& c) const;
    bool showing(const ViewContext& c) const;
    int scriptState(const ViewContext& c, std::string* error) const;  // the first not ready

private:
    std::vector<std::unique_ptr<View>> m_views;
    bool m_mapsOwned = false;
};

// The window's views, in the canvas's priority: atlas > class map column > unit column > feature visualisation column > compare > second model, and
// the transfer (which supplies the maps). The one place their types are named outside their files.
void registerViews(ViewRegistry& registry);

}  // namespace cnnscope::app
