// History range export: a GIF of the kept frames with the timestamps' delays, read back by giflib.
#include "record/history_export.hpp"
#include "../support/keras_file.hpp"

#include <doctest/doctest.h>
#include <gif_lib.h>

#include <filesystem>

using namespace cnnscope;
namespace fs = std::filesystem;

TEST_CASE("history export: the kept frames of a range, drawn by the view, with their timing; nothing kept -> error, no file") {
    FrameHistory h(100u << 20);
    for (int i = 0; i < 12; ++i) h.push(cv::Mat(40, 60, CV_8UC3, cv::Scalar(0, 20 * i, 0)), 100 + i, 10.0 + 0.2 * i);
    const std::string dir = cnnscope::test::tempDir();
    const std::string path = dir + "/range.gif";
    HistoryExportOptions o;
    std::vector<int64_t> drawn;
    o.render = [&](const HistoryFrame& f) -> Expected<cv::Mat> {
        drawn.push_back(f.index);
        return cv::Mat(30, 50, CV_8UC3, f.frame.at<cv::Vec3b>(0, 0));  // the "view": another size
    };
    auto n = exportHistory(h, 103, 107, path, o);
    REQUIRE_MESSAGE(n, n.error());
    CHECK(*n == 5);
    CHECK(drawn == std::vector<int64_t>{103, 104, 105, 106, 107});
    int err = 0;
    GifFileType* gif = DGifOpenFileName(path.c_str(), &err);
    REQUIRE(gif);
    REQUIRE(DGifSlurp(gif) == GIF_OK);
    CHECK(gif->ImageCount == 5);
    CHECK(gif->SWidth == 50);
    CHECK(gif->SHeight == 30);
    for (int i = 0; i < gif->ImageCount; ++i) {
        GraphicsControlBlock gcb;
        DGifSavedExtensionToGCB(gif, i, &gcb);
        CHECK(gcb.DelayTime == 20);  // 0.2 s apart, in centiseconds
    }
    DGifCloseFile(gif, &err);

    CHECK(!exportHistory(h, 0, 50, dir + "/none.gif"));
    CHECK(!fs::exists(dir + "/none.gif"));
    o.render = [](const HistoryFrame&) -> Expected<cv::Mat> { return Error{"view failed"}; };
    auto bad = exportHistory(h, 100, 111, dir + "/bad.gif", o);
    CHECK(!bad);
    CHECK(bad.error() == "view failed");
    CHECK(!fs::exists(dir + "/bad.gif"));
    fs::remove_all(dir);
}
