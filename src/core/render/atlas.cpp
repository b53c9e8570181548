// The whole-network atlas: layout, tile packing (inference thread) and CPU rendering.
#include "core/render/atlas.hpp"

#include "core/base/parse.hpp"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace cnnscope {

namespace {

bool isKind(const LayerInfo& l, AtlasKind kind) {
    const std::string t = lower(l.type);
    switch (kind) {
        case AtlasKind::Conv: return t.find("conv") != std::string::npos;
        case AtlasKind::Relu: return t.find("relu") != std::string::npos;
        case AtlasKind::Pool: return t.find("pool") != std::string::npos;
        case AtlasKind::All: return true;
    }
    return false;
}

const cv::Vec3b kGutter(32, 32, 32);
const cv::Vec3b kLabelBg(64, 48, 40);

}  // namespace

Expected<AtlasKind> parseAtlasKind(const std::string& name) {
    const std::string n = lower(name);
    if (n == "conv") return AtlasKind::Conv;
    if (n == "relu") return AtlasKind::Relu;
    if (n == "pool") return AtlasKind::Pool;
    if (n == "all") return AtlasKind::All;
    return Error{"unknown layer kind '" + name + "'; choose one of: conv, relu, pool, all"};
}

const char* atlasKindName(AtlasKind k) {
    switch (k) {
        case AtlasKind::Conv: return "conv";
        case AtlasKind::Relu: return "relu";
        case AtlasKind::Pool: return "pool";
        case AtlasKind::All: return "all";
    }
    return "?";
}

std::vector<LayerInfo> atlasLayers(const std::vector<LayerInfo>& layers, AtlasKind kind) {
    std::vector<LayerInfo> out;
    for (const auto& l : layers)
        if (l.spatial() && lower(l.type).rfind("input", 0) != 0 && isKind(l, kind)) out.push_back(l);
    return out;
}

Expected<AtlasLayout> AtlasLayout::build(const std::vector<LayerInfo>& layers, const AtlasOptions& o) {
    if (o.tile < 4 || o.tile > 128) return Error{"--tile-size must be between 4 and 128 pixels, got " + std::to_string(o.tile)};
    if (o.columns < 1 || o.columns > 1024) return Error{"--columns must be between 1 and 1024, got " + std::to_string(o.columns)};
    if (o.gutter < 0 || o.gutter > 16 || o.labelHeight < 0 || o.labelHeight > 64) return Error{"atlas gutter or label height out of range"};
    if (layers.empty()) return Error{"no layers to show in the atlas"};
    AtlasLayout L;
    L.m_opts = o;
    int y = 0, packedY = 0, maxW = 0, maxPackedW = 0;
    for (const auto& l : layers) {
        if (!l.spatial()) return Error{"layer '" + l.name + "' has no (C,H,W) output"};
        AtlasBand b;
        b.name = l.name;
        b.type = l.type;
        b.channels = l.shape[0];
        b.mapH = l.shape[1];
        b.mapW = l.shape[2];
        const double s = double(o.tile) / std::max(b.mapH, b.mapW);
        b.cellW = std::max(1, int(std::lround(b.mapW * s)));
        b.cellH = std::max(1, int(std::lround(b.mapH * s)));
        b.dataW = std::min(b.mapW, b.cellW);
        b.dataH = std::min(b.mapH, b.cellH);
        b.columns = std::min(o.columns, b.channels);
        b.rows = (b.channels + b.columns - 1) / b.columns;
        b.top = y;
        b.packedTop = packedY;
        b.firstTile = L.m_tiles;
        y += o.labelHeight + o.gutter + b.rows * (b.cellH + o.gutter);
        packedY += b.rows * b.dataH;
        maxW = std::max(maxW, o.gutter + b.columns * (b.cellW + o.gutter));
        maxPackedW = std::max(maxPackedW, b.columns * b.dataW);
        L.m_tiles += b.channels;
        L.m_bands.push_back(b);
    }
    L.m_canvas = cv::Size(maxW, y);
    L.m_packed = cv::Size(maxPackedW, packedY);
    if (L.m_canvas.width > 32767 || L.m_canvas.height > 32767 || L.m_packed.height > 16384)
        return Error{cv::format("the atlas would be %dx%d pixels; use a smaller --tile-size or more --columns", L.m_canvas.width, L.m_canvas.height)};
    return L;
}

std::vector<std::string> AtlasLayout::layerNames() const {
    std::vector<std::string> names;
    for (const auto& b : m_bands) names.push_back(b.name);
    return names;
}

int AtlasLayout::bandOf(const std::string& layer) const {
    for (size_t i = 0; i < m_bands.size(); ++i)
        if (m_bands[i].name == layer) return int(i);
    return -1;
}

cv::Rect AtlasLayout::cellRect(int band, int channel) const {
    const AtlasBand& b = m_bands.at(size_t(band));
    const int g = m_opts.gutter;
    return {g + (channel % b.columns) * (b.cellW + g), b.top + m_opts.labelHeight + g + (channel / b.columns) * (b.cellH + g), b.cellW,
            b.cellH};
}

cv::Rect AtlasLayout::dataRect(int band, int channel) const {
    const AtlasBand& b = m_bands.at(size_t(band));
    return {(channel % b.columns) * b.dataW, b.packedTop + (channel / b.columns) * b.dataH, b.dataW, b.dataH};
}

AtlasTile AtlasLayout::tile(int globalIndex) const {
    if (globalIndex < 0 || globalIndex >= m_tiles) return {};
    // Bands are in tile order: the last band whose firstTile <= index.
    auto it = std::upper_bound(m_bands.begin(), m_bands.end(), globalIndex, [](int i, const AtlasBand& b) { return i < b.firstTile; });
    const int band = int(it - m_bands.begin()) - 1;
    return {band, globalIndex - m_bands[size_t(band)].firstTile, globalIndex};
}

AtlasTile AtlasLayout::tileAt(cv::Point p) const {
    if (p.x < 0 || p.y < 0 || p.x >= m_canvas.width || p.y >= m_canvas.height) return {};
    auto it = std::upper_bound(m_bands.begin(), m_bands.end(), p.y, [](int y, const AtlasBand& b) { return y < b.top; });
    const int band = int(it - m_bands.begin()) - 1;
    if (band < 0) return {};
    const AtlasBand& b = m_bands[size_t(band)];
    const int g = m_opts.gutter;
    const int qx = p.x - g, qy = p.y - (b.top + m_opts.labelHeight + g);
    if (qx < 0 || qy < 0) return {};
    const int col = qx / (b.cellW + g), row = qy / (b.cellH + g);
    if (col >= b.columns || row >= b.rows || qx - col * (b.cellW + g) >= b.cellW || qy - row * (b.cellH + g) >= b.cellH) return {};
    const int channel = row * b.columns + col;
    if (channel >= b.channels) return {};
    return {band, channel, b.firstTile + channel};
}

cv::Point AtlasLayout::packedTexelAt(cv::Point p) const {
    const AtlasTile t = tileAt(p);
    if (!t.valid()) return {-1, -1};
    const AtlasBand& b = m_bands[size_t(t.band)];
    const cv::Rect c = cellRect(t.band, t.channel), d = dataRect(t.band, t.channel);
    const int x = std::min(b.dataW - 1, int((p.x - c.x + 0.5) * b.dataW / b.cellW));
    const int y = std::min(b.dataH - 1, int((p.y - c.y + 0.5) * b.dataH / b.cellH));
    return {d.x + x, d.y + y};
}

std::string AtlasLayout::json() const {
    std::ostringstream s;
    s << "{\n  \"canvas\": [" << m_canvas.width << ", " << m_canvas.height << "],\n  \"packed\": [" << m_packed.width << ", "
      << m_packed.height << "],\n  \"tiles\": " << m_tiles << ",\n  \"tile\": " << m_opts.tile << ", \"gutter\": " << m_opts.gutter
      << ", \"label_height\": " << m_opts.labelHeight << ",\n  \"upload_bytes\": " << uploadBytes() << ",\n  \"bands\": [\n";
    for (size_t i = 0; i < m_bands.size(); ++i) {
        const AtlasBand& b = m_bands[i];
        s << "    {\"name\": \"" << jsonEscape(b.name) << "\", \"type\": \"" << jsonEscape(b.type) << "\", \"channels\": " << b.channels << ", \"map\": [" << b.mapH
          << ", " << b.mapW << "], \"cell\": [" << b.cellH << ", " << b.cellW << "], \"data\": [" << b.dataH << ", " << b.dataW
          << "], \"columns\": " << b.columns << ", \"rows\": " << b.rows << ", \"top\": " << b.top << ", \"packed_top\": " << b.packedTop
          << ", \"first_tile\": " << b.firstTile << "}" << (i + 1 < m_bands.size() ? "," : "") << "\n";
    }
    s << "  ]\n}\n";
    return s.str();
}

void downsampleBox(const float* src, int H, int W, float* dst, size_t dstStride, int dh, int dw) {
    CV_Assert(dw > 0 && dh > 0 && dw <= W && dh <= H);
    for (int y = 0; y < dh; ++y) {
        const int y0 = int(int64_t(y) * H / dh), y1 = std::max(y0 + 1, int(int64_t(y + 1) * H / dh));
        float* d = dst + size_t(y) * dstStride;
        for (int x = 0; x < dw; ++x) {
            const int x0 = int(int64_t(x) * W / dw), x1 = std::max(x0 + 1, int(int64_t(x + 1) * W / dw));
            double sum = 0;
            for (int yy = y0; yy < y1; ++yy) {
                const float* row = src + size_t(yy) * W;
                for (int xx = x0; xx < x1; ++xx) sum += row[xx];
            }
            d[x] = float(sum / double((y1 - y0) * (x1 - x0)));
        }
    }
}

Status packAtlas(const std::vector<cv::Mat>& acts, const AtlasLayout& layout, const Normalization& norm, AtlasFrame& out) {
    const auto& bands = layout.bands();
    if (acts.size() != bands.size()) return Error{"atlas: expected " + std::to_string(bands.size()) + " layers' activations"};
    for (size_t i = 0; i < bands.size(); ++i) {
        const cv::Mat& a = acts[i];
        if (a.dims != 4 || a.type() != CV_32F || a.size[1] != bands[i].channels || a.size[2] != bands[i].mapH || a.size[3] != bands[i].mapW)
            return Error{"atlas: activation of '" + bands[i].name + "' does not have the layout's shape"};
    }
    out.packed.create(layout.packedSize(), CV_32F);
    out.packed.setTo(0);
    out.ranges.resize(size_t(layout.tileCount()));
    cv::parallel_for_(cv::Range(0, int(bands.size())), [&](const cv::Range& r) {
        std::vector<Range> ranges;
        std::vector<float> scratch;
        for (int i = r.start; i < r.end; ++i) {
            const AtlasBand& b = bands[size_t(i)];
            channelRanges(acts[size_t(i)], norm, ranges, scratch);
            std::copy(ranges.begin(), ranges.end(), out.ranges.begin() + b.firstTile);
            for (int c = 0; c < b.channels; ++c) {
                const cv::Rect d = layout.dataRect(i, c);
                const cv::Mat plane = channelView(acts[size_t(i)], c);
                downsampleBox(plane.ptr<float>(), b.mapH, b.mapW, out.packed.ptr<float>(d.y) + d.x, out.packed.step1(), b.dataH, b.dataW);
            }
        }
    });
    return {};
}

void renderAtlas(const AtlasFrame& frame, const AtlasLayout& layout, float gamma, Colormap cmap, cv::Mat& canvas) {
    canvas.create(layout.canvasSize(), CV_8UC3);
    canvas.setTo(cv::Scalar(kGutter));
    const auto& bands = layout.bands();
    const int lh = layout.options().labelHeight;
    for (size_t i = 0; i < bands.size(); ++i) {
        const AtlasBand& b = bands[i];
        if (lh > 0) {
            canvas(cv::Rect(0, b.top, canvas.cols, lh)).setTo(cv::Scalar(kLabelBg));
            const std::string text = cv::format("%s  %d x %dx%d", b.name.c_str(), b.channels, b.mapH, b.mapW);
            const double scale = std::min(0.4, lh / 30.0);
            cv::putText(canvas, text, cv::Point(3, b.top + lh - std::max(2, lh / 4)), cv::FONT_HERSHEY_SIMPLEX, scale,
                        cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
        }
    }
    cv::parallel_for_(cv::Range(0, layout.tileCount()), [&](const cv::Range& r) {
        std::vector<float> data;
        for (int t = r.start; t < r.end; ++t) {
            const AtlasTile tile = layout.tile(t);
            const AtlasBand& b = bands[size_t(tile.band)];
            const cv::Rect d = layout.dataRect(tile.band, tile.channel);
            data.resize(size_t(d.area()));
            for (int y = 0; y < d.height; ++y) std::copy_n(frame.packed.ptr<float>(d.y + y) + d.x, d.width, data.data() + size_t(y) * d.width);
            cv::Mat cell = canvas(layout.cellRect(tile.band, tile.channel));
            colorizeScaled(data.data(), b.dataH, b.dataW, frame.ranges[size_t(t)], gamma, cmap, cell);
        }
    });
}

}  // namespace cnnscope
