// featvis's JSON (written and read back by merge with a small strict parser) and sheet.
#include "core/unit/featvis_index.hpp"

#include "core/base/json_read.hpp"
#include "core/base/parse.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>

namespace cnnscope {

Expected<std::vector<int>> parseChannelList(const std::string& spec, int layerChannels) {
    auto number = [](const std::string& s, int& v) {
        if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return false;
        v = std::atoi(s.c_str());
        return true;
    };
    int a = 0, b = 0;
    if (spec == "all") {
        a = 0, b = layerChannels - 1;
    } else if (const size_t dash = spec.find('-'); dash != std::string::npos) {
        if (!number(spec.substr(0, dash), a) || !number(spec.substr(dash + 1), b))
            return Error{"'" + spec + "' is not a channel range: give A-B (e.g. 0-15) or all"};
        if (b < a) return Error{"'" + spec + "' is an empty range: give A-B with A <= B"};
    } else {
        if (!number(spec, a)) return Error{"'" + spec + "' is not a channel number"};
        b = a;
    }
    if (b >= layerChannels)
        return Error{cv::format("channel %d is out of range: the layer has %d channels (0-%d)", b, layerChannels, layerChannels - 1)};
    std::vector<int> v;
    for (int c = a; c <= b; ++c) v.push_back(c);
    return v;
}

Expected<std::pair<int, int>> parseShard(const std::string& spec) {
    const size_t slash = spec.find('/');
    auto bad = [&] { return Error{"--shard '" + spec + "' is not I/N: give the shard index and count, 0 <= I < N (e.g. 0/4)"}; };
    if (slash == std::string::npos) return bad();
    const std::string i = spec.substr(0, slash), n = spec.substr(slash + 1);
    for (const auto& s : {i, n})
        if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) return bad();
    const int I = std::atoi(i.c_str()), N = std::atoi(n.c_str());
    if (N < 1 || I >= N) return bad();
    return std::make_pair(I, N);
}

std::string featvisFileName(int channel, int index, int diversity) {
    return diversity > 1 ? cv::format("channel_%04d_%d.png", channel, index) : cv::format("channel_%04d.png", channel);
}

std::string featvisJson(const FeatvisRun& run) {
    const int digits = run.shard >= 0 ? 17 : 9;
    const FeatvisSettings& s = run.settings;
    std::ostringstream o;
    o << "{\n  \"command\": \"featvis\",\n";
    if (run.shard >= 0) o << "  \"shard\": " << run.shard << ",\n  \"shards\": " << run.shards << ",\n";
    o << "  \"model\": \"" << jsonEscape(s.model) << "\",\n  \"weights\": \"" << jsonEscape(s.weights) << "\",\n"
      << "  \"layer\": \"" << jsonEscape(s.layer) << "\",\n  \"layer_channels\": " << s.layerChannels << ",\n"
      << "  \"channels\": \"" << jsonEscape(s.channels) << "\",\n  \"size\": [" << s.width << ", " << s.height << "],\n"
      << "  \"iterations\": " << s.iterations << ",\n  \"seed\": " << s.seed << ",\n"
      << "  \"learning_rate\": " << jsonNumber(s.learningRate, 17) << ",\n  \"tv\": " << jsonNumber(s.tv, 17)
      << ",\n  \"decay\": " << jsonNumber(s.decay, 17) << ",\n  \"diversity\": " << s.diversity
      << ",\n  \"diversity_weight\": " << jsonNumber(s.diversityWeight, 17) << ",\n  \"engine\": \"" << jsonEscape(s.engine)
      << "\",\n";
    if (s.against.empty())
        o << "  \"against\": null,\n";
    else
        o << "  \"against\": \"" << jsonEscape(s.against) << "\",\n  \"against_frames\": " << s.againstFrames << ",\n";
    o << "  \"units\": [";
    for (size_t i = 0; i < run.units.size(); ++i) {
        const FeatvisUnit& u = run.units[i];
        o << (i ? ",\n    " : "\n    ") << "{\"channel\": " << u.channel;
        if (s.diversity > 1) o << ", \"index\": " << u.index << ", \"similarity\": " << jsonNumber(u.similarity, digits);
        o << ", \"file\": \"" << jsonEscape(u.file) << "\", \"activation\": " << jsonNumber(u.activation, digits);
        if (u.hasAgainst)
            o << ", \"against_best\": " << jsonNumber(u.againstBest, digits) << ", \"against_frame\": " << u.againstFrame
              << ", \"ratio\": " << jsonNumber(u.againstBest > 0 ? u.activation / u.againstBest : NAN, digits);
        o << "}";
    }
    o << (run.units.empty() ? "]\n}\n" : "\n  ]\n}\n");
    return o.str();
}


Expected<FeatvisRun> parseFeatvisJson(const std::string& text, const std::string& what) {
    Json root;
    std::string error;
    if (!parseJson(text, root, error)) return Error{what + " is not valid JSON (" + error + ")"};
    std::string missing;
    auto get = [&](const Json& obj, const std::string& key, Json::Kind kind) -> const Json* {
        auto it = obj.members.find(key);
        if (it == obj.members.end() || it->second.kind != kind) {
            if (missing.empty()) missing = key;
            return nullptr;
        }
        return &it->second;
    };
    auto str = [&](const Json& obj, const std::string& key) {
        const Json* v = get(obj, key, Json::String);
        return v ? v->text : std::string();
    };
    auto num = [&](const Json& obj, const std::string& key) {
        const Json* v = get(obj, key, Json::Number);
        return v ? v->number : 0.0;
    };
    if (root.kind != Json::Object) return Error{what + " is not a featvis file (no JSON object)"};
    if (str(root, "command") != "featvis") return Error{what + " was not written by cnnscope featvis"};
    FeatvisRun r;
    FeatvisSettings& s = r.settings;
    s.model = str(root, "model");
    s.weights = str(root, "weights");
    s.layer = str(root, "layer");
    s.layerChannels = int(num(root, "layer_channels"));
    s.channels = str(root, "channels");
    if (const Json* size = get(root, "size", Json::Array); size && size->items.size() == 2) {
        s.width = int(size->items[0].number);
        s.height = int(size->items[1].number);
    }
    s.iterations = int(num(root, "iterations"));
    if (const Json* seed = get(root, "seed", Json::Number)) s.seed = std::strtoull(seed->text.c_str(), nullptr, 10);
    s.learningRate = num(root, "learning_rate");
    s.tv = num(root, "tv");
    s.decay = num(root, "decay");
    if (root.members.count("diversity")) {  // files of runs before --diversity: 1
        s.diversity = int(num(root, "diversity"));
        s.diversityWeight = num(root, "diversity_weight");
    }
    if (auto it = root.members.find("engine"); it != root.members.end() && it->second.kind == Json::String) s.engine = it->second.text;
    if (auto it = root.members.find("against"); it != root.members.end() && it->second.kind == Json::String) {
        s.against = it->second.text;
        s.againstFrames = int(num(root, "against_frames"));
    }
    if (root.members.count("shard")) {
        r.shard = int(num(root, "shard"));
        r.shards = int(num(root, "shards"));
    }
    if (const Json* units = get(root, "units", Json::Array))
        for (const Json& u : units->items) {
            FeatvisUnit unit;
            unit.channel = int(num(u, "channel"));
            if (s.diversity > 1) unit.index = int(num(u, "index")), unit.similarity = num(u, "similarity");
            unit.file = str(u, "file");
            unit.activation = num(u, "activation");
            if (u.members.count("against_best")) {
                unit.hasAgainst = true;
                unit.againstBest = num(u, "against_best");
                unit.againstFrame = int64_t(num(u, "against_frame"));
            }
            r.units.push_back(unit);
        }
    if (!missing.empty()) return Error{what + " lacks '" + missing + "' (or it has the wrong type): not a file featvis wrote"};
    return r;
}

std::string featvisSettingsDiffer(const FeatvisSettings& a, const FeatvisSettings& b) {
    auto d = [](const std::string& name, const std::string& x, const std::string& y) {
        return x == y ? std::string() : name + " ('" + x + "' vs '" + y + "')";
    };
    auto n = [](double v) { return jsonNumber(v, 17); };
    std::string r;
    for (const std::string& s :
         {d("--model (label)", a.model, b.model), d("--model (weights)", a.weights, b.weights), d("--layer", a.layer, b.layer),
          d("the layer's channel count", std::to_string(a.layerChannels), std::to_string(b.layerChannels)),
          d("--channel/--channels", a.channels, b.channels),
          d("--size", cv::format("%dx%d", a.width, a.height), cv::format("%dx%d", b.width, b.height)),
          d("--iterations", std::to_string(a.iterations), std::to_string(b.iterations)),
          d("--seed", std::to_string(a.seed), std::to_string(b.seed)), d("--lr", n(a.learningRate), n(b.learningRate)),
          d("--tv", n(a.tv), n(b.tv)), d("--decay", n(a.decay), n(b.decay)), d("--against", a.against, b.against),
          d("--against-frames", std::to_string(a.againstFrames), std::to_string(b.againstFrames)),
          d("--diversity", std::to_string(a.diversity), std::to_string(b.diversity)),
          d("--diversity-weight", n(a.diversityWeight), n(b.diversityWeight)),
          d("the engine (--precision, --conv, --no-transforms)", a.engine, b.engine)})
        if (r.empty() && !s.empty()) r = s;
    return r;
}

cv::Mat renderFeatvisSheet(const FeatvisRun& run, const std::vector<cv::Mat>& images) {
    const FeatvisSettings& s = run.settings;
    const int n = int(run.units.size());
    const int cols = s.diversity > 1 ? s.diversity : std::max(1, int(std::ceil(std::sqrt(double(std::max(n, 1))))));
    const int rows = (n + cols - 1) / cols;
    const int factor = std::max(1, (96 + std::max(s.width, s.height) - 1) / std::max(s.width, s.height));
    const int tw = s.width * factor, th = s.height * factor;
    const bool against = !s.against.empty();
    const int labelH = against ? 30 : 16, gap = 4, titleH = 22;
    const int cellW = std::max(tw, 90) + gap, cellH = th + labelH + gap;
    std::string title = cv::format("%s  %s  %dx%d  %d steps  seed %llu", s.model.c_str(), s.layer.c_str(), s.width, s.height,
                                   s.iterations, (unsigned long long)s.seed);
    if (s.diversity > 1) title += cv::format("  diversity %d (weight %g)", s.diversity, s.diversityWeight);
    int base = 0;
    const int titleW = cv::getTextSize(title, cv::FONT_HERSHEY_SIMPLEX, 0.42, 1, &base).width + 2 * gap;
    const int W = std::max({cols * cellW + gap, 420, titleW}), H = titleH + rows * cellH + gap;
    cv::Mat sheet(H, W, CV_8UC3, cv::Scalar(24, 24, 24));
    cv::putText(sheet, title, cv::Point(gap, 15), cv::FONT_HERSHEY_SIMPLEX, 0.42, cv::Scalar(235, 235, 235), 1, cv::LINE_AA);
    for (int i = 0; i < n; ++i) {
        const FeatvisUnit& u = run.units[size_t(i)];
        const int x = gap + (i % cols) * cellW, y = titleH + (i / cols) * cellH;
        if (size_t(i) < images.size() && !images[size_t(i)].empty()) {
            cv::Mat big;
            cv::resize(images[size_t(i)], big, cv::Size(tw, th), 0, 0, cv::INTER_NEAREST);
            big.copyTo(sheet(cv::Rect(x, y, tw, th)));
        }
        const std::string name = s.diversity > 1 ? cv::format("c%d.%d", u.channel, u.index) : cv::format("c%d", u.channel);
        cv::putText(sheet, cv::format("%s  %.3g", name.c_str(), u.activation), cv::Point(x, y + th + 12), cv::FONT_HERSHEY_SIMPLEX,
                    0.36, cv::Scalar(235, 235, 235), 1, cv::LINE_AA);
        if (u.hasAgainst)
            cv::putText(sheet, cv::format("real best %.3g", u.againstBest), cv::Point(x, y + th + 26), cv::FONT_HERSHEY_SIMPLEX,
                        0.34, cv::Scalar(160, 200, 255), 1, cv::LINE_AA);
    }
    return sheet;
}

}  // namespace cnnscope
