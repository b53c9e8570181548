// What a unit wants to see, in the window: the feature visualisation (core/unit/featvis, as the
// `featvis` command) of the unit on the card, optimised on FeatvisWorker's thread and shown as it
// builds up, cached on disk per model, layer, channel, size, steps and seed so that a second look is
// instant. The card's unit is the selected channel, or the grid tile the pointer rests on. With
// the whole-layer sheet on, the layer's other units follow, and the sheet fills in as they finish.
// A column left of the maps, beside the unit column (input frame, back-projection, top-9).
#pragma once

#include "app/featvis_worker.hpp"
#include "app/view.hpp"

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace cnnscope::app {

class FeatvisView : public View {
public:
    const char* name() const override { return "featvis"; }
    Status checkOptions(const detail::ViewOptions& o, bool scripted) override;  // --featvis-size, --featvis-iterations
    Status afterPipeline(const detail::ViewOptions& o, ViewContext& c) override;
    bool onScriptArgument(const std::string& name, const std::string& value, ViewContext& c) override;  // featvis=
    bool initGl(std::string* error) override { return m_cardRenderer.init(error) && m_sheetRenderer.init(error); }
    void releaseGl() override {
        m_cardRenderer = gfx::ActivationRenderer();
        m_sheetRenderer = gfx::ActivationRenderer();
    }
    void stop() override { m_worker.reset(); }
    void tick(ViewContext& c) override;
    CanvasClaim claim(const ViewContext& c) const override;
    gfx::PixelRect draw(const gfx::PixelRect& area, DrawTarget& t, ViewContext& c) override;
    void panel(ui::PanelInfo& info, const ViewContext& c) const override;
    std::string statsJson(const ViewContext& c) const override;
    bool computing(const ViewContext& c) const override;

private:
    // The request the panel and the pointer ask for now (channels: the card's unit alone).
    FeatvisRequest wanted(const ViewContext& c) const;
    static bool sameSettings(const FeatvisRequest& a, const FeatvisRequest& b);
    void takeResults(ViewContext& c);
    void resetSheet(const FeatvisResult& r);
    void markDone(int channel, const cv::Mat& image);
    void scanCache();  // the sheet's units already cached (by an earlier look or run)
    int cardChannel(const ViewContext& c);  // the selected channel, or the tile the pointer rests on

    std::unique_ptr<FeatvisWorker> m_worker;  // started on first use
    FeatvisRequest m_asked;                   // the last request (model options kept, for comparison)
    bool m_askedSheet = false;
    bool m_hasAsked = false;
    FeatvisResult m_card;       // the newest result for the card's unit (its image uploaded)
    std::set<std::string> m_posted;  // the errors said for the last request
    bool m_workerDone = false;        // the worker handed over the last request's every unit
    std::string m_cacheDir;
    // The pointer: the tile it rests on and since when; the card's unit.
    int m_hoverChannel = -1, m_cardChannel = -1, m_lastSelected = -1;
    std::chrono::steady_clock::time_point m_hoverSince;
    // The whole-layer sheet: per channel done, the settings it is for, its picture.
    FeatvisRequest m_sheetFor;
    std::string m_sheetModelKey;
    std::vector<char> m_done;
    int m_doneCount = 0, m_sheetCols = 0, m_thumb = 0;
    cv::Mat m_sheet;
    bool m_sheetDirty = false;
    gfx::ActivationRenderer m_cardRenderer, m_sheetRenderer;
    gfx::PixelRect m_cardRect, m_sheetRect;
    double m_frameMean = 0;  // the card's unit's mean activation on the frame on screen
    bool m_noRoom = false;   // the window's canvas had no room for the card
};

}  // namespace cnnscope::app
