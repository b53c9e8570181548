// GIF writer read back with giflib's decoder: frames, size, delays, loop, colours.
#include "record/gif_writer.hpp"
#include "../support/keras_file.hpp"

#include <doctest/doctest.h>
#include <gif_lib.h>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <filesystem>

using namespace cnnscope;
namespace fs = std::filesystem;

TEST_CASE("GIF: frames / delays / NETSCAPE loop and near-exact colours survive a decode") {
    const std::string dir = cnnscope::test::tempDir();
    const std::string path = dir + "/out.gif";
    const cv::Size size(64, 48);
    auto w = GifWriter::create(path, size);
    REQUIRE(w.ok());
    const cv::Scalar colours[3] = {{0, 0, 255}, {0, 255, 0}, {255, 0, 0}};
    for (int i = 0; i < 3; ++i) {
        cv::Mat f(size, CV_8UC3, colours[i]);
        cv::rectangle(f, cv::Rect(10, 10, 20, 20), cv::Scalar(255, 255, 255), cv::FILLED);
        REQUIRE((*w)->addFrame(f, 120 + 100 * i).ok());
        CHECK_FALSE(fs::exists(path));  // nothing under the final name until finish()
    }
    REQUIRE((*w)->finish().ok());
    CHECK((fs::status(path).permissions() & fs::perms::others_read) != fs::perms::none);

    int err = 0;
    GifFileType* gif = DGifOpenFileName(path.c_str(), &err);
    REQUIRE(gif);
    REQUIRE(DGifSlurp(gif) == GIF_OK);
    CHECK(gif->ImageCount == 3);
    CHECK(gif->SWidth == 64);
    CHECK(gif->SHeight == 48);
    bool loop = false;
    for (int i = 0; i < gif->ImageCount; ++i) {
        GraphicsControlBlock gcb;
        REQUIRE(DGifSavedExtensionToGCB(gif, i, &gcb) == GIF_OK);
        CHECK(gcb.DelayTime == 12 + 10 * i);
        const SavedImage& im = gif->SavedImages[i];
        for (int e = 0; e < im.ExtensionBlockCount; ++e)
            if (im.ExtensionBlocks[e].Function == APPLICATION_EXT_FUNC_CODE && im.ExtensionBlocks[e].ByteCount == 11 &&
                std::memcmp(im.ExtensionBlocks[e].Bytes, "NETSCAPE2.0", 11) == 0)
                loop = true;
        const ColorMapObject* cmap = im.ImageDesc.ColorMap ? im.ImageDesc.ColorMap : gif->SColorMap;
        REQUIRE(cmap);
        const GifColorType bg = cmap->Colors[im.RasterBits[0]];
        const GifColorType fg = cmap->Colors[im.RasterBits[20 * 64 + 20]];
        CHECK(std::abs(int(bg.Red) - int(colours[i][2])) <= 2);
        CHECK(std::abs(int(bg.Green) - int(colours[i][1])) <= 2);
        CHECK(std::abs(int(bg.Blue) - int(colours[i][0])) <= 2);
        CHECK(fg.Red >= 253);
        CHECK(fg.Green >= 253);
        CHECK(fg.Blue >= 253);
    }
    CHECK(loop);
    DGifCloseFile(gif, &err);
    fs::remove_all(dir);
}

TEST_CASE("GIF: abandoned or empty writers leave no file - bad paths fail cleanly") {
    const std::string dir = cnnscope::test::tempDir();
    {
        auto w = GifWriter::create(dir + "/abandoned.gif", {8, 8});
        REQUIRE(w.ok());
        REQUIRE((*w)->addFrame(cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)), 100).ok());
    }
    {
        auto w = GifWriter::create(dir + "/empty.gif", {8, 8});
        REQUIRE(w.ok());
        CHECK_FALSE((*w)->finish().ok());
    }
    CHECK(fs::is_empty(dir));
    auto bad = GifWriter::create(dir + "/no/such/dir/x.gif", {8, 8});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("does not exist") != std::string::npos);
    fs::remove_all(dir);
}
