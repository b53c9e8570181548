// CPU colormaps against matplotlib's own tables (Debian's python3-matplotlib, run at test time).
#include "core/render/colormap.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

using namespace cnnscope;

namespace {

// matplotlib's 256-entry RGB table for `name`, as printed by matplotlib itself.
std::vector<cv::Vec3f> matplotlibTable(const std::string& name) {
    const std::string cmd = "/usr/bin/python3 -c \"import matplotlib; matplotlib.use('Agg'); import matplotlib.cm as cm; "
                            "t = cm.get_cmap('" + name + "', 256)(range(256)); "
                            "print('\\n'.join('%.9f %.9f %.9f' % tuple(r[:3]) for r in t))\" 2>/dev/null";
    std::vector<cv::Vec3f> table;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return table;
    float r, g, b;
    while (std::fscanf(p, "%f %f %f", &r, &g, &b) == 3) table.emplace_back(r, g, b);
    pclose(p);
    return table;
}

void compareWithMatplotlib(Colormap c, const std::string& mplName, float tolerance) {
    const auto ref = matplotlibTable(mplName);
    REQUIRE_MESSAGE(ref.size() == 256, "matplotlib reference unavailable: apt-get install python3-matplotlib");
    const Lut& lut = colormapLut(c);
    float worst = 0;
    for (int i = 0; i < 256; ++i)
        for (int k = 0; k < 3; ++k) worst = std::max(worst, std::abs(lut[size_t(i)][k] - ref[size_t(i)][k]));
    CAPTURE(mplName);
    CHECK(worst <= tolerance);
}

}  // namespace

TEST_CASE("'hot' equals matplotlib's hot to 1/255") {
    compareWithMatplotlib(Colormap::Hot, "hot", 1.f / 255.f);
    // And the definition's anchors, independently of matplotlib being present.
    const Lut& lut = colormapLut(Colormap::Hot);
    CHECK(lut[0][0] == doctest::Approx(0.0416));
    CHECK(lut[0][1] == 0.f);
    CHECK(lut[255] == cv::Vec3f(1, 1, 1));
}

TEST_CASE("gray, bwr and rdbu (RdBu_r) equal matplotlib's to 1/255 - viridis / inferno / magma (OpenCV's tables) to 2/255") {
    compareWithMatplotlib(Colormap::Gray, "gray", 1.f / 255.f);
    compareWithMatplotlib(Colormap::Bwr, "bwr", 1.f / 255.f);
    compareWithMatplotlib(Colormap::Rdbu, "RdBu_r", 1.f / 255.f);
    compareWithMatplotlib(Colormap::Viridis, "viridis", 2.f / 255.f);
    compareWithMatplotlib(Colormap::Inferno, "inferno", 2.f / 255.f);
    compareWithMatplotlib(Colormap::Magma, "magma", 2.f / 255.f);
}

TEST_CASE("index rule is matplotlib's int(t*256) clamped / and colorize uses it") {
    CHECK(lutIndex(0.f) == 0);
    CHECK(lutIndex(1.f) == 255);
    CHECK(lutIndex(0.5f) == 128);
    CHECK(lutIndex(127.99f / 256.f) == 127);
    CHECK(lutIndex(-1.f) == 0);
    CHECK(lutIndex(2.f) == 255);
    cv::Mat plane = (cv::Mat_<float>(1, 4) << 10.f, 20.f, 15.f, 30.f);
    cv::Mat out;
    colorize(plane, {10.f, 30.f}, 1.f, Colormap::Hot, out);
    CHECK(out.at<cv::Vec3b>(0, 0) == lutBgr8(Colormap::Hot, 0));
    CHECK(out.at<cv::Vec3b>(0, 1) == lutBgr8(Colormap::Hot, 128));
    CHECK(out.at<cv::Vec3b>(0, 2) == lutBgr8(Colormap::Hot, 64));
    CHECK(out.at<cv::Vec3b>(0, 3) == cv::Vec3b(255, 255, 255));
    CHECK(parseColormap("HOT").ok());
    auto bad = parseColormap("jetz");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("viridis") != std::string::npos);
}
