// The window's trained-weights download: a background Download (progress, cancel, atomic
// placement), its banner, its panel progress and its stats line. Main thread only; it holds no
// pointer to the window: a finished download is returned to the caller, which reloads the model.
#pragma once

#include "fetch/download.hpp"
#include "fetch/model_fetch.hpp"
#include "ui/panel.hpp"

#include <memory>
#include <optional>
#include <string>

namespace cnnscope::app {

class WeightsDownload {
public:
    // What a finished download means for the window.
    struct Outcome {
        ui::Message::Level level = ui::Message::Level::Info;
        std::string message;
        std::string modelPath;  // set on success: load this model
    };

    // Starts the download of a models.yml entry (default: the notop VGG19); its message
    // ("downloading ... to PATH") or why not. One at a time: while one runs, another is refused.
    Expected<std::string> start(const std::string& entry = kDefaultFetchEntry);
    void cancel();
    // Cancels and joins a download in progress (its temporary file goes).
    void reset() { m_download.reset(); }
    bool running() const { return m_download != nullptr; }
    // Once per UI frame: the outcome of a download that finished since the last call.
    std::optional<Outcome> poll();

    void fill(ui::PanelInfo& info) const;  // the panel's progress bar and detail
    std::string bannerText() const;        // empty when none runs
    std::string json() const;              // the stats JSON's "download" line

private:
    std::unique_ptr<Download> m_download;
    std::string m_entry, m_what;        // the entry downloading, and its words ("VGG19 weights")
    std::string m_lastState = "none";  // the last one's final state
};

}  // namespace cnnscope::app
