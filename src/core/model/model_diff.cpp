// Two networks side by side: layer matching, the difference and its figure.
#include "core/model/model_diff.hpp"

#include "core/base/parse.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace cnnscope {

namespace {

enum class Kind { Conv, Pool, Other };

Kind kindOf(const LayerInfo& l) {
    const std::string t = lower(l.type);
    if (t.find("conv") != std::string::npos) return Kind::Conv;
    if (t.find("pool") != std::string::npos) return Kind::Pool;
    return Kind::Other;
}

bool isRelu(const LayerInfo& l) { return lower(l.type).find("relu") != std::string::npos; }

// Index in `layers` of the n-th (1-based) spatial layer of `kind`, or -1.
int nthOfKind(const std::vector<LayerInfo>& layers, Kind kind, int n) {
    for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].spatial() && kindOf(layers[i]) == kind && --n == 0) return int(i);
    return -1;
}

int countKind(const std::vector<LayerInfo>& layers, Kind kind) {
    int n = 0;
    for (const auto& l : layers) n += l.spatial() && kindOf(l) == kind;
    return n;
}

}  // namespace

Expected<LayerMatch> matchLayer(const std::vector<LayerInfo>& a, const std::string& layer, const std::vector<LayerInfo>& b) {
    auto ia = std::find_if(a.begin(), a.end(), [&](const LayerInfo& l) { return l.name == layer; });
    if (ia == a.end() || !ia->spatial()) return Error{"model A has no layer '" + layer + "' with a (C,H,W) output"};
    LayerMatch m;
    m.layerA = layer;
    for (const auto& l : b)
        if (l.name == layer && l.spatial()) {
            m.layerB = layer;
            m.note = "layers matched by name";
            return m;
        }
    // A ReLU right after a conv stands for that conv.
    auto unit = ia;
    if (isRelu(*ia) && ia != a.begin() && kindOf(*(ia - 1)) == Kind::Conv) unit = ia - 1;
    const Kind kind = kindOf(*unit);
    if (kind == Kind::Other)
        return Error{"model B has no layer '" + layer + "', and only conv and pooling layers can be matched by position; pick one"};
    int pos = 0;
    for (auto it = a.begin(); it <= unit; ++it) pos += it->spatial() && kindOf(*it) == kind;
    const char* what = kind == Kind::Conv ? "conv" : "pooling";
    int ib = nthOfKind(b, kind, pos);
    if (ib < 0)
        return Error{cv::format("model B has no layer '%s', and only %d %s layers where A's is %s layer %d", layer.c_str(), countKind(b, kind),
                                what, what, pos)};
    std::string after;
    if (kind == Kind::Conv && ib + 1 < int(b.size()) && isRelu(b[size_t(ib + 1)]) && b[size_t(ib + 1)].spatial()) {
        after = " (after its ReLU, " + b[size_t(ib + 1)].name + ")";
        ++ib;
    }
    m.layerB = b[size_t(ib)].name;
    m.byPosition = true;
    m.position = pos;
    m.note = cv::format("names differ: matched by position, %s layer %d of A (%s) = %s layer %d of B (%s)%s", what, pos, layer.c_str(), what,
                        pos, b[size_t(kind == Kind::Conv && !after.empty() ? ib - 1 : ib)].name.c_str(), after.c_str());
    return m;
}

Status layerDifference(const cv::Mat& a, const cv::Mat& b, DiffScale scale, cv::Mat& diff, std::vector<Range>& ranges, float* maxAbs) {
    auto shape = [](const cv::Mat& m) {
        return m.dims == 4 ? cv::format("(%d, %d, %d)", m.size[1], m.size[2], m.size[3]) : std::string("(not a (1,C,H,W) map)");
    };
    if (a.dims != 4 || b.dims != 4 || a.type() != CV_32F || b.type() != CV_32F || a.size != b.size)
        return Error{"the two layers' outputs differ in shape: A " + shape(a) + ", B " + shape(b) +
                     "; compare layers of the same shape (same --input-size, same architecture)"};
    cv::subtract(a, b, diff);
    const int C = a.size[1];
    ranges.assign(size_t(C), {});
    double total = 0;
    for (int c = 0; c < C; ++c) {
        double lo, hi;
        cv::minMaxLoc(channelView(diff, c), &lo, &hi);
        const double m = std::max(std::abs(lo), std::abs(hi));
        ranges[size_t(c)] = {float(-m), float(m)};
        total = std::max(total, m);
    }
    for (auto& r : ranges) {
        if (scale == DiffScale::Layer) r = {float(-total), float(total)};
        if (!(r.hi > 0)) r = {-1.f, 1.f};
    }
    if (maxAbs) *maxAbs = float(total);
    return {};
}

Expected<ModelComparisonResult> renderModelComparison(const ModelComparisonInput& in) {
    ModelComparisonResult r;
    std::vector<Range> ranges;
    const DiffScale scale = in.view.norm.mode == NormMode::Layer ? DiffScale::Layer : DiffScale::PerChannel;
    if (auto st = layerDifference(in.actA, in.actB, scale, r.diff, ranges, &r.maxAbs); !st) return Error{st.error()};
    // The CPU view takes one range per call: draw diff / M_c with the fixed range [-1, 1], which
    // is the same t = (d + M) / 2M.
    cv::Mat scaled = r.diff.clone();
    for (int c = 0; c < scaled.size[1]; ++c) {
        cv::Mat plane = channelView(scaled, c);
        plane *= 1.0 / double(ranges[size_t(c)].hi);
    }
    const int H = in.actA.size[2], W = in.actA.size[3];
    const int col = std::clamp(in.column, 64, 2048);
    const cv::Size panel(col, std::max(1, int(std::lround(double(col) * H / W))));
    ViewSpec diffView = in.view;
    diffView.colormap = Colormap::Rdbu;
    diffView.norm = Normalization{};
    diffView.norm.mode = NormMode::Fixed;
    diffView.norm.fixedLo = -1.f;
    diffView.norm.fixedHi = 1.f;
    cv::Mat figure(kComparisonHeader + panel.height, 3 * col + 4 * kComparisonGap, CV_8UC3, cv::Scalar(24, 24, 24));
    const cv::Mat* acts[3] = {&in.actA, &in.actB, &scaled};
    const std::string heads[3] = {"A: " + in.labelA + " | " + in.match.layerA, "B: " + in.labelB + " | " + in.match.layerB,
                                  std::string("A - B (rdbu, symmetric ") + (scale == DiffScale::Layer ? "per layer)" : "per channel)")};
    MosaicScratch scratch;
    for (int i = 0; i < 3; ++i) {
        r.panels[i] = cv::Rect(kComparisonGap + i * (col + kComparisonGap), kComparisonHeader, panel.width, panel.height);
        cv::Mat out;
        renderView(*acts[i], i == 2 ? diffView : in.view, panel, out, scratch);
        out.copyTo(figure(r.panels[i]));
        cv::putText(figure, heads[i], cv::Point(r.panels[i].x + 2, 15), cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(255, 255, 255), 1,
                    cv::LINE_AA);
    }
    const std::string what = in.view.grid ? "grid page " + std::to_string(in.view.page) : "channel " + std::to_string(in.view.channel);
    r.figure = withCaption(figure, cv::format("frame %lld | %s | %s | max |A-B| = %.4g", (long long)in.frameIndex, what.c_str(),
                                              in.match.note.c_str(), double(r.maxAbs)));
    return r;
}

}  // namespace cnnscope
