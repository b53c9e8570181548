// Top-k run files (topk.json, topk.csv, shard.json), their reader and the merge of shards.
#include "core/unit/topk_index.hpp"

#include "core/base/json_read.hpp"
#include "core/base/parse.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace cnnscope {

namespace {

std::string rectJson(const cv::Rect& r) { return cv::format("[%d, %d, %d, %d]", r.x, r.y, r.width, r.height); }

void settingsJson(std::ostringstream& o, const TopkRecord& r) {
    const TopkSettings& s = r.settings;
    o << "{\n";
    if (r.shard >= 0) o << "  \"command\": \"topk\",\n  \"shard\": " << r.shard << ",\n  \"shards\": " << r.shards << ",\n";
    o << "  \"model\": \"" << jsonEscape(s.model) << "\",\n  \"untrained\": " << (s.model.find("untrained") != std::string::npos ? "true" : "false")
      << ",\n  \"weights\": \"" << jsonEscape(s.weights) << "\",\n  \"source\": \"" << jsonEscape(s.source) << "\",\n  \"layer\": \""
      << jsonEscape(s.layer) << "\",\n  \"channels\": " << s.channels << ",\n  \"input_size\": [" << s.inputSize.width << ", "
      << s.inputSize.height << "],\n  \"receptive_field\": " << s.receptiveField << ", \"stride\": " << s.stride
      << ", \"rf_offset\": " << s.rfOffset << ",\n  \"k\": " << s.k << ", \"every\": " << s.every << ", \"thumb\": " << s.thumb
      << ", \"pad_colour_bgr\": [128, 128, 128],\n  \"frames_limit\": " << s.framesLimit << ", \"caption\": \"" << jsonEscape(s.caption)
      << "\", \"engine\": \"" << jsonEscape(s.engine) << "\",\n";
}

}  // namespace

std::string topkJson(const TopkRecord& r) {
    const TopkSettings& s = r.settings;
    const bool shard = r.shard >= 0;
    const int tdigits = shard ? 17 : 6;
    std::ostringstream o;
    settingsJson(o, r);
    const double n = double(std::max<int64_t>(1, r.framesScanned));
    o << "  \"frames_read\": " << r.framesRead << ", \"frames_scanned\": " << r.framesScanned << ", \"stopped\": "
      << (r.stopped ? "true" : "false") << ",\n  \"source_ended_early\": "
      << (r.shortSource.empty() ? std::string("null") : "\"" + jsonEscape(r.shortSource) + "\"")
      << ",\n  \"ms_per_frame\": {\"forward\": " << jsonNumber(r.forwardMs / n, 6) << ", \"topk\": " << jsonNumber(r.topkMs / n, 6)
      << ", \"total\": " << jsonNumber(r.totalMs / n, 6) << "}";
    if (shard)
        o << ",\n  \"ms_sum\": {\"forward\": " << jsonNumber(r.forwardMs, 17) << ", \"topk\": " << jsonNumber(r.topkMs, 17)
          << ", \"total\": " << jsonNumber(r.totalMs, 17) << "}";
    const SheetLayout sl = sheetLayout(s.k, s.thumb);
    o << ",\n  \"budget_bytes\": " << TopKAccumulator::budgetBytes(s.channels, {s.k, s.thumb, {}}) << ",\n  \"sheet\": {\"size\": ["
      << r.sheetSize.width << ", " << r.sheetSize.height << "], \"thumb_rects\": [";
    for (int k = 0; k < s.k; ++k) o << (k ? ", " : "") << rectJson(sl.thumbRect(k, s.thumb));
    o << "]},\n  \"entries\": [";
    bool first = true;
    for (size_t c = 0; c < r.entries.size(); ++c)
        for (size_t k = 0; k < r.entries[c].size(); ++k) {
            const TopKEntry& e = r.entries[c][k];
            const TopkPlace& p = r.places[c][k];
            o << (first ? "\n" : ",\n") << cv::format("    {\"channel\": %zu, \"rank\": %zu, \"value\": ", c, k) << jsonNumber(double(e.value))
              << ", \"frame\": " << (long long)e.frame << ", \"time\": " << jsonNumber(e.seconds, tdigits) << ", \"file\": \""
              << jsonEscape(p.file) << "\", \"y\": " << e.pos.y << ", \"x\": " << e.pos.x << ", \"frame_size\": [" << p.frameSize.width
              << ", " << p.frameSize.height << "], \"rect\": " << rectJson(e.field) << ", \"rect_clipped\": " << rectJson(p.rectClipped)
              << ", \"blob_rect\": " << rectJson(p.blob) << ", \"blob_rect_clipped\": " << rectJson(p.blobClipped) << "}";
            first = false;
        }
    o << "\n  ]\n}\n";
    return o.str();
}

std::string topkCsv(const TopkRecord& r) {
    std::ostringstream o;
    o << "channel,rank,value,frame,time,file,y,x,rect_x,rect_y,rect_w,rect_h\n";
    for (size_t c = 0; c < r.entries.size(); ++c)
        for (size_t k = 0; k < r.entries[c].size(); ++k) {
            const TopKEntry& e = r.entries[c][k];
            o << cv::format("%zu,%zu,%.9g,%lld,%.4f,", c, k, double(e.value), (long long)e.frame, e.seconds) << r.places[c][k].file
              << cv::format(",%d,%d,%d,%d,%d,%d\n", e.pos.y, e.pos.x, e.field.x, e.field.y, e.field.width, e.field.height);
        }
    return o.str();
}

namespace {

// Typed reads of a parsed shard.json; the first missing or mistyped key is kept for the error.
struct Fields {
    std::string missing;
    const Json* get(const Json& obj, const std::string& key, Json::Kind kind) {
        auto it = obj.members.find(key);
        if (it != obj.members.end() && it->second.kind == kind) return &it->second;
        if (missing.empty()) missing = key;
        return nullptr;
    }
    std::string str(const Json& obj, const std::string& key) {
        const Json* v = get(obj, key, Json::String);
        return v ? v->text : std::string();
    }
    double num(const Json& obj, const std::string& key) {
        const Json* v = get(obj, key, Json::Number);
        return v ? v->number : 0.0;
    }
    int64_t integer(const Json& obj, const std::string& key) {
        const Json* v = get(obj, key, Json::Number);
        return v ? std::strtoll(v->text.c_str(), nullptr, 10) : 0;
    }
    std::vector<int> ints(const Json& obj, const std::string& key, size_t n) {
        std::vector<int> out(n, 0);
        const Json* v = get(obj, key, Json::Array);
        if (v && v->items.size() == n)
            for (size_t i = 0; i < n; ++i) out[i] = int(v->items[i].number);
        else if (v && missing.empty())
            missing = key;
        return out;
    }
    cv::Rect rect(const Json& obj, const std::string& key) {
        const auto v = ints(obj, key, 4);
        return {v[0], v[1], v[2], v[3]};
    }
    cv::Size size(const Json& obj, const std::string& key) {
        const auto v = ints(obj, key, 2);
        return {v[0], v[1]};
    }
};

void parseEntries(const Json& root, Fields& f, TopkRecord& r) {
    r.entries.assign(size_t(std::max(0, r.settings.channels)), {});
    r.places.assign(r.entries.size(), {});
    const Json* list = f.get(root, "entries", Json::Array);
    if (!list) return;
    for (const Json& j : list->items) {
        const int64_t c = f.integer(j, "channel");
        if (c < 0 || c >= int64_t(r.entries.size()) || f.integer(j, "rank") != int64_t(r.entries[size_t(c)].size())) {
            if (f.missing.empty()) f.missing = "entries (channel or rank out of order)";
            return;
        }
        TopKEntry e;
        e.value = float(f.num(j, "value"));
        e.frame = f.integer(j, "frame");
        e.seconds = f.num(j, "time");
        e.pos = cv::Point(int(f.integer(j, "x")), int(f.integer(j, "y")));
        e.field = f.rect(j, "rect");
        TopkPlace p;
        p.file = f.str(j, "file");
        p.frameSize = f.size(j, "frame_size");
        p.rectClipped = f.rect(j, "rect_clipped");
        p.blob = f.rect(j, "blob_rect");
        p.blobClipped = f.rect(j, "blob_rect_clipped");
        r.entries[size_t(c)].push_back(e);
        r.places[size_t(c)].push_back(p);
    }
}

}  // namespace

Expected<TopkRecord> parseTopkShard(const std::string& text, const std::string& what) {
    Json root;
    std::string error;
    if (!parseJson(text, root, error)) return Error{what + " is not valid JSON (" + error + ")"};
    Fields f;
    if (root.kind != Json::Object || f.str(root, "command") != "topk" || !root.members.count("shard"))
        return Error{what + " is not a shard file of cnnscope topk --shard"};
    TopkRecord r;
    TopkSettings& s = r.settings;
    r.shard = int(f.integer(root, "shard"));
    r.shards = int(f.integer(root, "shards"));
    s.model = f.str(root, "model");
    s.weights = f.str(root, "weights");
    s.source = f.str(root, "source");
    s.layer = f.str(root, "layer");
    s.caption = f.str(root, "caption");
    if (auto it = root.members.find("engine"); it != root.members.end() && it->second.kind == Json::String) s.engine = it->second.text;
    s.channels = int(f.integer(root, "channels"));
    s.inputSize = f.size(root, "input_size");
    s.receptiveField = int(f.integer(root, "receptive_field"));
    s.stride = int(f.integer(root, "stride"));
    s.rfOffset = int(f.integer(root, "rf_offset"));
    s.k = int(f.integer(root, "k"));
    s.every = int(f.integer(root, "every"));
    s.thumb = int(f.integer(root, "thumb"));
    s.framesLimit = f.integer(root, "frames_limit");
    r.framesRead = f.integer(root, "frames_read");
    r.framesScanned = f.integer(root, "frames_scanned");
    if (const Json* b = f.get(root, "stopped", Json::Bool)) r.stopped = b->boolean;
    if (auto it = root.members.find("source_ended_early"); it != root.members.end() && it->second.kind == Json::String)
        r.shortSource = it->second.text;
    if (const Json* ms = f.get(root, "ms_sum", Json::Object)) {
        r.forwardMs = f.num(*ms, "forward");
        r.topkMs = f.num(*ms, "topk");
        r.totalMs = f.num(*ms, "total");
    }
    if (const Json* sheet = f.get(root, "sheet", Json::Object)) r.sheetSize = f.size(*sheet, "size");
    if (s.channels < 1 || s.channels > 65536 || s.k < 1 || s.k > 64 || s.thumb < 16 || s.thumb > 256 || s.every < 1)
        return Error{what + " has settings out of range: not a file topk wrote"};
    parseEntries(root, f, r);
    if (!f.missing.empty()) return Error{what + " lacks '" + f.missing + "' (or it has the wrong type): not a file topk wrote"};
    return r;
}

std::string topkSettingsDiffer(const TopkSettings& a, const TopkSettings& b) {
    auto d = [](const std::string& name, const std::string& x, const std::string& y) {
        return x == y ? std::string() : name + " ('" + x + "' vs '" + y + "')";
    };
    auto i = [](int64_t v) { return std::to_string(v); };
    auto sz = [](cv::Size s) { return cv::format("%dx%d", s.width, s.height); };
    for (const std::string& s :
         {d("--model (label)", a.model, b.model), d("--model (weights)", a.weights, b.weights), d("SOURCE", a.source, b.source),
          d("--layer", a.layer, b.layer), d("the layer's channel count", i(a.channels), i(b.channels)),
          d("--input-size", sz(a.inputSize), sz(b.inputSize)), d("the receptive field", i(a.receptiveField), i(b.receptiveField)),
          d("--k", i(a.k), i(b.k)), d("--every", i(a.every), i(b.every)), d("--tile-size", i(a.thumb), i(b.thumb)),
          d("--frames", i(a.framesLimit), i(b.framesLimit)), d("--caption", a.caption, b.caption),
          d("the engine (--precision, --conv)", a.engine, b.engine)})
        if (!s.empty()) return s;
    return {};
}

TopkRecord mergeTopkShards(const std::vector<TopkRecord>& shards) {
    TopkRecord m;
    m.settings = shards.at(0).settings;
    m.framesRead = shards[0].framesRead;
    m.shortSource = shards[0].shortSource;
    m.sheetSize = shards[0].sheetSize;
    const size_t C = size_t(m.settings.channels);
    m.entries.assign(C, {});
    m.places.assign(C, {});
    for (const TopkRecord& s : shards) {
        m.framesScanned += s.framesScanned;
        m.stopped = m.stopped || s.stopped;
        m.forwardMs += s.forwardMs, m.topkMs += s.topkMs, m.totalMs += s.totalMs;
    }
    for (size_t c = 0; c < C; ++c) {
        std::vector<std::pair<const TopKEntry*, const TopkPlace*>> all;
        for (const TopkRecord& s : shards)
            for (size_t k = 0; k < s.entries[c].size(); ++k) all.push_back({&s.entries[c][k], &s.places[c][k]});
        // One scan keeps the strongest, the earlier frame first among equal values (it came first).
        std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
            return x.first->value != y.first->value ? x.first->value > y.first->value : x.first->frame < y.first->frame;
        });
        for (size_t k = 0; k < all.size() && k < size_t(m.settings.k); ++k) {
            m.entries[c].push_back(*all[k].first);
            m.places[c].push_back(*all[k].second);
        }
    }
    return m;
}

}  // namespace cnnscope
