// The files of a featvis run: its settings and per-unit results as JSON (index.json of a whole
// run, shard.json of one shard, which `featvis merge` reads back), the labelled sheet, and the
// rules of sharding. Shared by the command and its merge so both write the same bytes.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnscope {

// What makes two runs (or shards) the same run. Compared field by field by merge.
struct FeatvisSettings {
    std::string model;       // the model's label
    std::string weights;     // where it was loaded from (Model::source())
    std::string layer;
    int layerChannels = 0;   // channels of the layer
    std::string channels;    // the channels asked for: "K", "A-B" or "all"
    int width = 0, height = 0, iterations = 0;
    uint64_t seed = 0;
    double learningRate = 0, tv = 0, decay = 0;
    std::string against;     // --against SOURCE (empty: none)
    int againstFrames = 0;
    int diversity = 1;       // images per unit
    double diversityWeight = 0;
    // What computed the images: precision that ran, --conv, transforms ("f32 auto transforms");
    // shards that differ here are not one run. Empty in files of runs before it was recorded.
    std::string engine;
};

// One image: a unit's (index 0..K-1 of its K with --diversity K).
struct FeatvisUnit {
    int channel = 0;
    int index = 0;
    double similarity = 0;     // --diversity: mean Gram cosine between the unit's written images
    std::string file;          // channel_KKKK.png (--diversity K > 1: channel_KKKK_I.png)
    double activation = 0;     // mean activation of the written (8-bit) image
    bool hasAgainst = false;
    double againstBest = 0;    // best mean activation over --against's frames
    int64_t againstFrame = 0;  // the frame it came from
};

struct FeatvisRun {
    FeatvisSettings settings;
    int shard = -1, shards = 0;  // -1: a whole run
    std::vector<FeatvisUnit> units;  // in channel order, then index
};

// Channels of "K", "A-B" (inclusive) or "all" for a layer of `layerChannels` channels.
Expected<std::vector<int>> parseChannelList(const std::string& spec, int layerChannels);
// "I/N" -> (I, N), 0 <= I < N.
Expected<std::pair<int, int>> parseShard(const std::string& spec);
// Channel c belongs to shard c mod N (round robin: every shard gets a similar share of any range).
inline bool inShard(int channel, int shard, int shards) { return shards <= 0 || channel % shards == shard; }
// channel_KKKK.png, or channel_KKKK_I.png for image I of a run with diversity > 1.
std::string featvisFileName(int channel, int index = 0, int diversity = 1);

// index.json (whole run: activations with 9 significant digits) or shard.json (17 digits, so
// merge reads the exact doubles back).
std::string featvisJson(const FeatvisRun& run);
// Parses a shard.json or index.json written by featvisJson; `what` names the file in errors.
Expected<FeatvisRun> parseFeatvisJson(const std::string& text, const std::string& what);
// The first setting in which b differs from a, as "--iterations (64 vs 32)"; empty when equal.
std::string featvisSettingsDiffer(const FeatvisSettings& a, const FeatvisSettings& b);

// The labelled sheet: a title line, then one tile per image (enlarged by a whole factor to at
// least 96 px) over "cK  A" (A its activation; "cK.I  A" with diversity, one row per unit;
// "real best B" below with --against), in channel order.
cv::Mat renderFeatvisSheet(const FeatvisRun& run, const std::vector<cv::Mat>& images);

}  // namespace cnnscope
