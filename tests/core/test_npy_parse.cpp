// .npy writer round trip and user-value parsing.
#include "core/atomic_file.hpp"
#include "core/npy.hpp"
#include "core/parse.hpp"
#include "../support/keras_file.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace cnnscope;
namespace fs = std::filesystem;

TEST_CASE(".npy header is numpy's format 1.0 and round-trips") {
    const std::string h = npyHeader({1, 64, 224, 224});
    CHECK(h.size() % 64 == 0);
    CHECK(h.find("'shape': (1, 64, 224, 224)") != std::string::npos);
    CHECK(h.back() == '\n');
    const std::string dir = cnnscope::test::tempDir();
    const int sz[4] = {1, 2, 3, 4};
    cv::Mat a(4, sz, CV_32F);
    for (size_t i = 0; i < a.total(); ++i) a.ptr<float>()[i] = float(i) * 0.5f - 3.f;
    REQUIRE(writeNpy(dir + "/a.npy", a).ok());
    std::ifstream f(dir + "/a.npy", std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    auto back = parseNpy(ss.str());
    REQUIRE(back.ok());
    CHECK(back->dims == 4);
    CHECK(cv::norm(*back, a, cv::NORM_INF) == 0.0);
    CHECK_FALSE(parseNpy("garbage").ok());
    CHECK_FALSE(parseNpy(ss.str().substr(0, ss.str().size() - 4)).ok());
    fs::remove_all(dir);
}

TEST_CASE("atomic writes leave nothing behind on failure") {
    const std::string dir = cnnscope::test::tempDir();
    CHECK_FALSE(writeNpy(dir + "/missing/a.npy", cv::Mat(2, 2, CV_32F)).ok());
    {
        auto f = AtomicFile::create(dir + "/x.bin");
        REQUIRE(f.ok());
        std::ofstream(f->tempPath()) << "partial";
    }  // dropped without commit
    CHECK(fs::is_empty(dir));
    if (::geteuid() != 0) {  // root can write anywhere
        ::chmod(dir.c_str(), 0500);
        CHECK_FALSE(AtomicFile::create(dir + "/y.bin").ok());
        ::chmod(dir.c_str(), 0700);
    }
    fs::remove_all(dir);
}

TEST_CASE("sizes parse strictly") {
    CHECK(*parseSize("224x224") == cv::Size(224, 224));
    CHECK(*parseSize("640X480") == cv::Size(640, 480));
    CHECK(*parseSize("300") == cv::Size(300, 300));
    CHECK_FALSE(parseSize("0x0", kMinInputSide).ok());
    CHECK_FALSE(parseSize("224x").ok());
    CHECK_FALSE(parseSize("abc").ok());
    CHECK_FALSE(parseSize("-5x5").ok());
    CHECK_FALSE(parseSize("99999x99999").ok());
    CHECK(parseSize("4x4", kMinInputSide).error().find("between") != std::string::npos);
}
