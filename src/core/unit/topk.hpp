// Top-k patches from a stream: for every channel of a layer, the k strongest activations seen
// since the last reset, each with a thumbnail of its receptive-field crop of the frame it came
// from. Fed once per frame by the inference thread; read by any thread through snapshots.
#pragma once

#include "core/model/catalogue.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace cnnscope {

struct TopKOptions {
    int k = 9;                                // entries kept per channel (1..64)
    int thumbSide = 64;                       // thumbnails are thumbSide x thumbSide, 8-bit BGR
    cv::Scalar padColour{128, 128, 128};      // where a field leaves the frame (mid grey)
    // Every thumbnail cut from its own field (cutThumbnail), never from an integral image shared
    // with the frame's other candidates: the same pixels whichever entries a frame brings, so
    // that shards of a scan (topk --shard) merge into exactly the unsharded result.
    bool exactThumbnails = false;
};

// One of a channel's strongest activations. Only the frame's peak of a channel is a candidate
// (one entry per frame and channel, like one patch per image in the classic top-9).
struct TopKEntry {
    float value = 0.f;
    int64_t frame = 0;       // 0-based frame index in the source
    double seconds = 0;      // the frame's time in the source
    cv::Point pos;           // (x, y) in the layer's map
    cv::Rect field;          // receptive field in frame pixels, unclipped (the thumbnail's crop)
    cv::Mat thumb;           // the crop, padded with padColour outside the frame, resized to
                             // thumbSide^2 (area averages shrinking, INTER_LINEAR enlarging).
                             // Never written after creation: snapshots share it.
};

struct TopKSnapshot {
    uint64_t sequence = 0;   // changes whenever the contents change (0: never fed)
    std::string layer;
    int k = 0, thumbSide = 0;
    int64_t framesSeen = 0;  // frames fed since the last reset
    std::vector<std::vector<TopKEntry>> channels;  // per channel, strongest first (ties: earlier frame first)
};

// Memory: at most C * k thumbnails of thumbSide^2 * 3 bytes (e.g. 512 x 9 x 64 x 64 x 3 = 56.6 MB)
// plus ~100 bytes of bookkeeping per entry. Per frame: one pass over the maps (each channel's
// max and argmax); a thumbnail is cut only when an entry enters a channel's top k.
// Threading: update() from one thread at a time; reset(), sequence(), snapshot() and channel()
// from any thread. update() scans and cuts thumbnails outside the lock and holds it only to merge.
class TopKAccumulator {
public:
    explicit TopKAccumulator(TopKOptions options = {});

    // One frame: `act` the (1, C, H, W) CV_32F output of `layer` for `frame` (8-bit gray, BGR or
    // BGRA, the frame as it was given to the model, resized to `inputSize` by preprocessing).
    // A new layer name or channel count resets first. Returns how many entries entered.
    int update(const cv::Mat& act, const cv::Mat& frame, const LayerInfo& layer, cv::Size inputSize, int64_t frameIndex,
               double seconds);
    void reset();

    uint64_t sequence() const;
    TopKSnapshot snapshot() const;
    // One channel's entries (empty for a channel out of range); *sequence gets the sequence they belong to.
    std::vector<TopKEntry> channel(int c, uint64_t* sequence = nullptr) const;

    const TopKOptions& options() const { return m_options; }
    // Bytes of thumbnails when every channel of a C-channel layer is full: C * k * side^2 * 3.
    static size_t budgetBytes(int channels, const TopKOptions& o);

private:
    struct Candidate {
        int channel;
        float value;
        cv::Point pos;
        cv::Rect field;
        cv::Mat thumb;
    };
    // Thumbnails of m_candidates (frame converted to BGR as needed), outside the lock.
    void cutThumbnails(const cv::Mat& frame, const LayerInfo& layer, cv::Size inputSize, int mapWidth);

    TopKOptions m_options;
    mutable std::mutex m_mutex;
    std::string m_layer;
    uint64_t m_sequence = 0;
    int64_t m_framesSeen = 0;
    std::vector<std::vector<TopKEntry>> m_channels;
    std::vector<float> m_thresholds;   // per channel: the k-th value, -inf while not full
    // Scratch of the updating thread (only update() touches these).
    std::vector<float> m_localThresholds;
    std::vector<Candidate> m_candidates;
    cv::Mat m_bgr;
    cv::Mat m_integral;
};

// Cuts `field` (frame pixels, may leave the frame) out of an 8-bit BGR frame, padding with
// `pad`, and resizes it to side x side.
cv::Mat cutThumbnail(const cv::Mat& frameBgr, const cv::Rect& field, int side, const cv::Scalar& pad);
// The same for a field at least side x side, from the frame's CV_64FC3 integral image
// (cv::integral): each thumbnail pixel the exact average of its box of the padded field (what
// INTER_AREA computes, up to rounding), without copying the field; what update() uses when shrinking.
cv::Mat areaThumbnail(const cv::Mat& integral, const cv::Rect& field, int side, const cv::Scalar& pad);

// Layout of a sheet: cols = ceil(sqrt(k)) cells; each cell a thumbnail with two label lines
// (value, frame number) under it; a title strip on top.
struct SheetLayout {
    int cols = 0, rows = 0, cellW = 0, cellH = 0;
    int margin = 4, titleH = 18, labelH = 26;
    cv::Size size;
    cv::Rect thumbRect(int rank, int thumbSide) const;  // where entry `rank`'s thumbnail lies
};
SheetLayout sheetLayout(int k, int thumbSide);

// A channel's sheet (8-bit BGR): thumbnails pixel for pixel at thumbRect(rank), empty slots dark.
cv::Mat renderTopKSheet(const std::vector<TopKEntry>& entries, int k, int thumbSide, const std::string& title);
// Every channel's patches in one image, channel numbers on each; thumbnails shrunk so that the
// image is at most maxWidth wide; `title` on top.
cv::Mat renderTopKIndex(const TopKSnapshot& s, const std::string& title, int maxWidth = 1800);

}  // namespace cnnscope
