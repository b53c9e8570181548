// The files of a topk run: topk.json and topk.csv of a whole run, shard.json of one shard of
// `topk --shard I/N` (the same record at full precision, which `topk merge` reads back), and the
// merge of shards' entries. Shared by the command and its merge so both write the same bytes.
#pragma once

#include "core/base/expected.hpp"
#include "core/unit/topk.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnscope {

// What topk.json says of an entry beyond TopKEntry: where its field lies in the frame and blob.
struct TopkPlace {
    std::string file;        // the image's name in a folder source (empty otherwise)
    cv::Size frameSize;
    cv::Rect rectClipped, blob, blobClipped;
};

// What makes two runs (or shards) the same run. Compared field by field by merge.
struct TopkSettings {
    std::string model;       // the model's label
    std::string weights;     // where it was loaded from (Model::source())
    std::string source, layer, caption;
    int channels = 0, receptiveField = 0, stride = 0, rfOffset = 0;
    cv::Size inputSize;
    int k = 0, every = 1, thumb = 0;
    int64_t framesLimit = 0;  // --frames (0: all)
    std::string engine;       // precision that ran and --conv ("f32 auto"); empty in older files
};

struct TopkRecord {
    TopkSettings settings;
    int shard = -1, shards = 0;  // -1: a whole run
    int64_t framesRead = 0, framesScanned = 0;
    bool stopped = false;
    std::string shortSource;     // the source ended before its header's count (empty: it did not)
    double forwardMs = 0, topkMs = 0, totalMs = 0;  // sums over the scanned frames
    cv::Size sheetSize;          // a channel sheet as written
    std::vector<std::vector<TopKEntry>> entries;  // per channel, strongest first
    std::vector<std::vector<TopkPlace>> places;   // the same shape
};

// topk.json (whole run) or shard.json (also "shard"/"shards", the ms sums and times at 17
// significant digits, so that merge reads the exact numbers back).
std::string topkJson(const TopkRecord& r);
std::string topkCsv(const TopkRecord& r);
// Parses a shard.json written by topkJson (entries without thumbnails); `what` names the file.
Expected<TopkRecord> parseTopkShard(const std::string& text, const std::string& what);
// The first setting in which b differs from a, as "--k (9 vs 4)"; empty when equal.
std::string topkSettingsDiffer(const TopkSettings& a, const TopkSettings& b);

// Scanned frame `index` (a multiple of every) belongs to shard (index / every) mod N.
inline bool topkFrameInShard(int64_t index, int every, int shard, int shards) {
    return shards <= 0 || (index / every) % shards == shard;
}
// The shards joined: each channel's entries of all shards, strongest first and the earlier frame
// first among equal values, the first k kept (what one scan of all frames keeps); the counts and
// times summed. Shards of one run, each given once (check first).
TopkRecord mergeTopkShards(const std::vector<TopkRecord>& shards);

}  // namespace cnnscope
