// The window's feature-visualisation worker (core/unit/featvis: the input that maximises a
// unit's mean activation): its own thread and its own copy of the model (loaded again when a
// request names another generation). A request is a list of units, the one on the card first and
// then a layer sheet's; each unit is looked up in the disk cache (featvisCachePath) and otherwise
// optimised, its image so far handed over every few steps, and written to the cache when done.
// A newer request cancels the unit that runs within one step (newest first); a cancelled unit is
// not cached.
#pragma once

#include "app/latest_worker.hpp"
#include "core/unit/featvis.hpp"
#include "session/session.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cnnscope::app {

// What a visualisation depends on besides the model: the layer, the unit and the optimisation.
struct FeatvisUnitKey {
    std::string layer;
    int channel = -1;
    cv::Size size{128, 128};
    int iterations = 256;
    uint64_t seed = 0;
};

// The cache folder: $CNNSCOPE_CACHE_DIR (made absolute), else $XDG_CACHE_HOME/cnnscope (when
// absolute, as the XDG spec says), else ~/.cache/cnnscope; then featvis/. Empty when none can be
// named (no HOME).
std::string featvisCacheDir();
// The model's part of the cache key: its label, weights file (with its size and modification
// time), preprocessing, and the process's precision and convolution kernel, hashed (16 hex digits).
std::string featvisModelKey(const Model& model);
// DIR/MODELKEY/LAYER/cK_WxH_iN_sS.png, LAYER the layer's name with '_' written "__" and every
// character other than [A-Za-z0-9-] as '_' and its two hex digits (so no two names share a folder).
std::string featvisCachePath(const std::string& dir, const std::string& modelKey, const FeatvisUnitKey& k);

// The folders from `dir` (the featvis cache) down to `file`'s are real folders where they exist,
// not links (a link planted in the cache would move reads and writes elsewhere).
Status checkCacheFolders(const std::string& dir, const std::string& file);
// A cached image: a plain file (not a link), a PNG whose header says `size`, decoded as 8-bit BGR;
// empty otherwise (missing, damaged, another size: it is made again).
cv::Mat readFeatvisCache(const std::string& file, cv::Size size);

struct FeatvisRequest {
    session::CommonOptions model;  // the window's model, as loadModel options
    uint64_t generation = 0;       // the pipeline generation `model` belongs to
    std::string layer;
    std::vector<int> channels;     // in order: the card's unit, then the sheet's
    cv::Size size{128, 128};
    int iterations = 256;
    uint64_t seed = 0;
    std::string cacheDir;          // empty: no cache
    std::string engine;            // the precision and convolution kernel the window runs (part of the settings)
    uint64_t serial = 0;           // the view's count of its requests (results say which they answer)
};

struct FeatvisResult {
    uint64_t generation = 0;
    std::string layer;
    int channel = -1;
    cv::Size size;
    int iterations = 0;
    uint64_t seed = 0;
    cv::Mat image;             // 8-bit BGR at the working size, so far (empty on error)
    int step = 0;              // steps done (iterations when done)
    bool done = false;         // finished (or read from the cache)
    bool cached = false;       // read from the cache
    double activation = 0;     // done: the unit's mean activation for the image (one forward, untransformed)
    double msPerStep = 0;      // this unit's steps so far
    int channels = 0;          // the layer's
    std::string cacheFile;     // where it is (or was to be) written
    std::string modelKey;
    std::string error;         // e.g. a layer the backward cannot go through; the cache not writable (the image still shown)
    // Every unit of the request finished so far, the card's first, carried by every later result
    // of the request, so a view that missed their own results (latest-wins) still gets them all;
    // `last`: the worker has finished the request.
    struct Finished {
        int channel = -1;
        cv::Mat image;  // empty: it failed (error says why)
        bool cached = false;
        double activation = 0, msPerStep = 0;
        std::string cacheFile, error;
    };
    std::vector<Finished> finished;
    bool last = false;
    uint64_t serial = 0;  // the request's
};

class FeatvisWorker {
public:
    void submit(FeatvisRequest request) { m_loop.submit(std::move(request)); }
    bool take(FeatvisResult& out) { return m_loop.take(out); }

private:
    bool run(const FeatvisRequest& r, FeatvisResult& last);
    // The unit `c` of r: from the cache or optimised; false when cancelled (or failed: out.error).
    bool unit(const FeatvisRequest& r, int c, FeatvisResult& out);
    void publish(FeatvisResult r);  // with the request's finished units attached

    std::vector<FeatvisResult::Finished> m_finished;  // the running request's finished units
    uint64_t m_serial = 0;                             // the running request's

    // Worker thread only:
    std::unique_ptr<Model> m_model;
    std::string m_modelError, m_modelKey;
    uint64_t m_modelGeneration = 0;
    bool m_loaded = false;
    std::optional<FeatureVis> m_fv;
    FeatvisUnitKey m_fvKey;  // the settings m_fv was made for (channel unused)
    LatestWorker<FeatvisRequest, FeatvisResult> m_loop{[this](bool got, FeatvisRequest& r, FeatvisResult& out) {
        return got && run(r, out);
    }};  // last: its thread starts after the members above exist
};

}  // namespace cnnscope::app
