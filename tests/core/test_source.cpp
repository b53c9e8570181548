// Frame sources on Debian's opencv-doc footage: counts are read, never trusted.
#include "core/pipeline/source.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace cnnscope;

static const std::string kData = CNNSCOPE_SAMPLE_DATA;

TEST_CASE("tree.avi: the header's frame count lies - reading finds the real end") {
    auto src = FrameSource::open(kData + "/tree.avi");
    REQUIRE_MESSAGE(src.ok(), src.error());
    cv::Mat f;
    int n = 0;
    while ((*src)->read(f) == ReadStatus::Ok) ++n;
    CHECK(n > 0);
    CHECK(n < 444);  // the header claims 444
    auto again = FrameSource::open(kData + "/tree.avi");
    auto st = (*again)->readFrame(400, f);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("has only " + std::to_string(n) + " frame") != std::string::npos);
}

TEST_CASE("video / image and bad sources") {
    auto v = FrameSource::open(kData + "/vtest.avi");
    REQUIRE(v.ok());
    CHECK((*v)->kind() == SourceKind::Video);
    CHECK((*v)->fps() == doctest::Approx(10.0));
    cv::Mat f;
    REQUIRE((*v)->readFrame(5, f).ok());
    CHECK(f.size() == cv::Size(768, 576));

    auto img = FrameSource::open(kData + "/baboon.jpg");
    REQUIRE(img.ok());
    CHECK((*img)->still());
    CHECK_FALSE((*img)->readFrame(1, f).ok());

    CHECK(FrameSource::open("/nonexistent/clip.avi").error().find("does not exist") != std::string::npos);
    const std::string garbage = "/tmp/cnnscope_test_garbage.avi";
    std::ofstream(garbage) << std::string(4096, 'x');
    CHECK(FrameSource::open(garbage).error().find("could not be opened") != std::string::npos);
    const std::string empty = "/tmp/cnnscope_test_empty.png";
    std::ofstream{empty};
    CHECK(FrameSource::open(empty).error().find("empty file") != std::string::npos);
    std::filesystem::remove(garbage);
    std::filesystem::remove(empty);
}
