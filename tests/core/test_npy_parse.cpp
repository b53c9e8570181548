// .npy writer round trip and user-value parsing.
#include "core/io/atomic_file.hpp"
#include "core/io/npy.hpp"
#include "core/base/parse.hpp"
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

#include "core/model/model_zoo.hpp"

TEST_CASE("models.yml: the shipped catalogue parses - malformed ones fail with a line number") {
    auto zoo = loadZooFile(CNNSCOPE_SOURCE_MODELS_DIR "/models.yml");
    REQUIRE_MESSAGE(zoo.ok(), zoo.error());
    REQUIRE(zoo->size() == 7);
    const ZooEntry* keras = findZooEntry(*zoo, "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5");
    REQUIRE(keras);
    CHECK(keras->md5 == "253f8cb515780f3b799900260a226db6");
    CHECK(keras->pre.mean[2] == doctest::Approx(123.68));
    const ZooEntry* onnx = findZooEntry(*zoo, "vgg19_onnx");
    REQUIRE(onnx);
    CHECK(onnx->pre.swapRB);
    CHECK(onnx->pre.stddev[0] == doctest::Approx(0.229));
    CHECK(onnx->pre.scale == doctest::Approx(1.0 / 255));
    const ZooEntry* caffe = findZooEntry(*zoo, "vgg19_caffe");
    REQUIRE(caffe);
    CHECK(caffe->config == "VGG_ILSVRC_19_layers_deploy.prototxt");

    const std::string dir = cnnscope::test::tempDir();
    auto bad = [&](const std::string& text) {
        std::ofstream(dir + "/m.yml") << text;
        auto z = loadZooFile(dir + "/m.yml");
        REQUIRE_FALSE(z.ok());
        return z.error();
    };
    CHECK(bad("models:\n  - name: a\n    file: b\n    mean: [ 1, 2 ]\n").find("line 2") != std::string::npos);
    CHECK(bad("models:\n  - name: a\n    file: b\n    width: wide\n").find("not a number") != std::string::npos);
    CHECK(bad("models:\n  - name: a\n    title: \"open\n    file: b\n").find("line 3") != std::string::npos);
    CHECK(bad("stuff: 1\n").find("line 1") != std::string::npos);
    CHECK(bad("models:\n  - name: a\n").find("no 'file'") != std::string::npos);
    std::filesystem::remove_all(dir);
}
