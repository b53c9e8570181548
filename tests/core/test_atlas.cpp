// The atlas layout (tile <-> layer/channel, canvas and packed rects) and tile packing.
#include "core/render/atlas.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace cnnscope;

namespace {

LayerInfo layer(const std::string& name, const std::string& type, int c, int h, int w) {
    LayerInfo l;
    l.name = name;
    l.type = type;
    l.shape = {c, h, w};
    return l;
}

std::vector<LayerInfo> vggLikeAt640x480() {
    return {layer("input", "InputLayer", 3, 480, 640), layer("c1", "Conv2D", 64, 480, 640), layer("p1", "MaxPooling2D", 64, 240, 320),
            layer("c2", "Conv2D", 130, 240, 320), layer("c3", "Conv2D", 512, 15, 20), layer("fc", "Dense", 10, 0, 0)};
}

}  // namespace

TEST_CASE("atlasLayers picks layers by kind, skipping the input and non-spatial layers") {
    const auto all = vggLikeAt640x480();
    CHECK(atlasLayers(all, AtlasKind::Conv).size() == 3);
    CHECK(atlasLayers(all, AtlasKind::Pool).size() == 1);
    CHECK(atlasLayers(all, AtlasKind::Relu).empty());
    CHECK(atlasLayers(all, AtlasKind::All).size() == 4);
    CHECK(!parseAtlasKind("dense"));
    CHECK(*parseAtlasKind("POOL") == AtlasKind::Pool);
}

TEST_CASE("every tile maps to one cell and back; gutters and labels map to no tile") {
    AtlasOptions o;
    o.tile = 16;
    o.columns = 20;
    auto L = AtlasLayout::build(atlasLayers(vggLikeAt640x480(), AtlasKind::Conv), o);
    REQUIRE(L);
    CHECK(L->tileCount() == 64 + 130 + 512);
    const auto& b = L->bands();
    CHECK(b[0].cellW == 16);
    CHECK(b[0].cellH == 12);
    CHECK(b[2].dataW == 16);  // 20x15 map downsampled to 16x12
    CHECK(b[2].dataH == 12);
    CHECK(b[1].rows == 7);    // 130 channels / 20 columns
    std::set<std::pair<int, int>> covered;
    int pixelsInTiles = 0;
    for (int t = 0; t < L->tileCount(); ++t) {
        const AtlasTile tile = L->tile(t);
        REQUIRE(tile.valid());
        const cv::Rect r = L->cellRect(tile.band, tile.channel);
        CHECK((r & cv::Rect({0, 0}, L->canvasSize())) == r);
        for (const cv::Point p : {r.tl(), r.br() - cv::Point(1, 1), cv::Point(r.x + r.width / 2, r.y + r.height / 2)}) {
            const AtlasTile back = L->tileAt(p);
            CHECK(back.tile == t);
            CHECK(back.channel == tile.channel);
        }
        CHECK(!L->tileAt(r.br()).valid());  // the gutter below-right
        const cv::Rect d = L->dataRect(tile.band, tile.channel);
        CHECK((d & cv::Rect({0, 0}, L->packedSize())) == d);
        CHECK(covered.insert({d.x, d.y}).second);
        pixelsInTiles += r.area();
    }
    CHECK(pixelsInTiles < L->canvasSize().area());
    CHECK(!L->tileAt({0, 0}).valid());  // the first band's label strip
    CHECK(L->uploadBytes() == size_t(L->packedSize().area()) * 4 + size_t(L->tileCount()) * 8);
    CHECK(!AtlasLayout::build({}, o));
    o.tile = 2;
    CHECK(!AtlasLayout::build(atlasLayers(vggLikeAt640x480(), AtlasKind::Conv), o));
}

TEST_CASE("packAtlas box-downsamples each channel into its data rect with the full-resolution range") {
    const std::vector<LayerInfo> layers = {layer("a", "Conv2D", 3, 9, 12), layer("b", "Conv2D", 5, 4, 4)};
    AtlasOptions o;
    o.tile = 6;
    o.columns = 2;
    auto L = AtlasLayout::build(layers, o);
    REQUIRE(L);
    std::vector<cv::Mat> acts;
    cv::RNG rng(3);
    for (const auto& l : layers) {
        const int sz[4] = {1, l.shape[0], l.shape[1], l.shape[2]};
        acts.emplace_back(4, sz, CV_32F);
        rng.fill(acts.back(), cv::RNG::UNIFORM, -2.f, 5.f);
    }
    AtlasFrame f;
    REQUIRE(packAtlas(acts, *L, Normalization{}, f));
    // Layer a: 12x9 -> cell 6x5 (rounded 4.5 up), data 6x5; each texel the mean of its box.
    const AtlasBand& a = L->bands()[0];
    CHECK(a.dataW == 6);
    CHECK(a.dataH == 5);
    for (int c = 0; c < 3; ++c) {
        const cv::Mat plane = channelView(acts[0], c);
        const cv::Rect d = L->dataRect(0, c);
        // Texel (x=2, y=3): x box [4, 6), y box [5, 7).
        const double want = cv::mean(plane(cv::Range(5, 7), cv::Range(4, 6)))[0];
        CHECK(f.packed.at<float>(d.y + 3, d.x + 2) == doctest::Approx(want).epsilon(1e-5));
        double lo, hi;
        cv::minMaxLoc(plane, &lo, &hi);
        CHECK(f.ranges[size_t(a.firstTile + c)].lo == float(lo));
        CHECK(f.ranges[size_t(a.firstTile + c)].hi == float(hi));
    }
    // Layer b: 4x4 maps are smaller than the 6x6 cell: data is the map itself.
    const cv::Rect d = L->dataRect(1, 4);
    CHECK(d.size() == cv::Size(4, 4));
    CHECK(f.packed.at<float>(d.y + 1, d.x + 2) == channelView(acts[1], 4).at<float>(1, 2));
    // Hover: the centre of layer b's tile 4 reads data texel (2, 2) (cell 6 -> data 4: floor(3.5 * 4 / 6)).
    const cv::Rect cell = L->cellRect(1, 4);
    CHECK(L->packedTexelAt({cell.x + 3, cell.y + 3}) == cv::Point(d.x + 2, d.y + 2));
    cv::Mat canvas;
    renderAtlas(f, *L, 1.f, Colormap::Hot, canvas);
    CHECK(canvas.size() == L->canvasSize());
    acts[0] = cv::Mat();
    CHECK(!packAtlas(acts, *L, Normalization{}, f));
}
