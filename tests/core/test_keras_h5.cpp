// The Keras .h5 loader against a naive double-precision reference, on files the test writes in
// the real files' layouts (legacy and modern weight names, model_weights nesting, with-top).
#include "core/model/model.hpp"
#include "../support/keras_file.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace cnnscope;
using namespace cnnscope::test;
namespace fs = std::filesystem;

namespace {

cv::Mat randomImage(int w, int h, uint64_t seed) {
    cv::Mat img(h, w, CV_8UC3);
    cv::RNG rng(seed);
    rng.fill(img, cv::RNG::UNIFORM, 0, 256);
    return img;
}

Model loadOrFail(const std::string& path, cv::Size size) {
    ModelOptions o;
    o.model = path;
    o.inputSize = size;
    auto m = Model::load(o);
    REQUIRE_MESSAGE(m.ok(), m.error());
    return std::move(m).value();
}

std::string loadError(const std::string& path) {
    ModelOptions o;
    o.model = path;
    auto m = Model::load(o);
    REQUIRE_FALSE(m.ok());
    return m.error();
}

}  // namespace

TEST_CASE("full VGG19 in the article's file layout matches the reference at an odd input size (floor pooling)") {
    const std::string dir = tempDir();
    const std::string path = dir + "/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";
    const auto layers = vgg19Layers(7);
    writeKerasFile(path, layers, Naming::Legacy, false);

    const cv::Size size(35, 45);  // 45x35 -> 22x17 -> 11x8 -> 5x4 -> 2x2 -> 1x1 with floor, not ceil
    Model model = loadOrFail(path, size);
    CHECK(model.title() == "VGG19");
    CHECK_FALSE(model.untrained());
    CHECK(totalParams(model.layers()) == 20024384);

    const cv::Mat img = randomImage(size.width, size.height, 3);
    for (const std::string layer : {"block1_conv1", "block2_pool", "block3_conv4", "block5_conv4", "block5_pool"}) {
        CAPTURE(layer);
        cv::Mat act;
        REQUIRE(model.forward(img, layer, act).ok());
        const RefOutput ref = referenceForward(img, layers, layer);
        CHECK(act.size[1] == ref.c);
        CHECK(act.size[2] == ref.h);
        CHECK(act.size[3] == ref.w);
        CHECK(relativeError(act, ref) < 1e-4);
    }
    const LayerInfo* pool5 = model.find("block5_pool");
    REQUIRE(pool5);
    CHECK(pool5->shape == std::vector<int>{512, 1, 1});
    fs::remove_all(dir);
}

TEST_CASE("modern weight names / model_weights nesting and a with-top file load the same weights") {
    std::mt19937 rng(11);
    std::vector<KLayer> layers = {convLayer("block1_conv1", 3, 5, rng), convLayer("block1_conv2", 5, 4, rng),
                                  poolLayer("block1_pool"), convLayer("block2_conv1", 4, 6, rng), poolLayer("block2_pool"),
                                  denseLayer("fc1", 24, 3, rng), denseLayer("predictions", 3, 2, rng)};
    const std::string dir = tempDir();
    const cv::Size size(23, 17);
    const cv::Mat img = randomImage(size.width, size.height, 5);
    for (Naming naming : {Naming::Legacy, Naming::Modern})
        for (bool nested : {false, true}) {
            CAPTURE(int(naming));
            CAPTURE(nested);
            const std::string path = dir + "/net_" + std::to_string(int(naming)) + std::to_string(nested) + ".h5";
            writeKerasFile(path, layers, naming, nested);
            Model model = loadOrFail(path, size);
            CHECK(model.spatialLayerNames() ==
                  std::vector<std::string>{"block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_pool"});
            CHECK(totalParams(model.layers()) == (9 * 3 * 5 + 5) + (9 * 5 * 4 + 4) + (9 * 4 * 6 + 6));
            for (const std::string layer : {"block1_conv2", "block2_conv1", "block2_pool"}) {
                CAPTURE(layer);
                cv::Mat act;
                REQUIRE(model.forward(img, layer, act).ok());
                CHECK(relativeError(act, referenceForward(img, layers, layer)) < 1e-4);
            }
        }
    fs::remove_all(dir);
}

TEST_CASE("bad weight files give errors naming the file and the problem") {
    const std::string dir = tempDir();
    SUBCASE("not HDF5") {
        const std::string p = dir + "/garbage.h5";
        std::ofstream(p) << "this is not an HDF5 file at all";
        const std::string e = loadError(p);
        CHECK(e.find(p) != std::string::npos);
        CHECK(e.find("not an HDF5 file") != std::string::npos);
    }
    SUBCASE("truncated") {
        const std::string p = dir + "/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";
        writeKerasFile(p, vgg19Layers(1), Naming::Legacy, false);
        fs::resize_file(p, fs::file_size(p) / 2);
        const std::string e = loadError(p);
        CHECK(e.find(p) != std::string::npos);
        CHECK(e.find("truncated") != std::string::npos);
    }
    SUBCASE("VGG19 file lacking a layer") {
        auto layers = vgg19Layers(2);
        layers.erase(layers.begin() + 7);  // block3_conv2
        REQUIRE(layers[6].name == "block3_conv1");
        const std::string p = dir + "/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";
        writeKerasFile(p, layers, Naming::Legacy, false);
        const std::string e = loadError(p);
        CHECK(e.find("block3_conv2") != std::string::npos);
        CHECK(e.find(p) != std::string::npos);
    }
    SUBCASE("kernel shapes that do not chain") {
        std::mt19937 rng(3);
        const std::string p = dir + "/bad_shapes.h5";
        writeKerasFile(p, {convLayer("block1_conv1", 3, 8, rng), convLayer("block1_conv2", 7, 8, rng)}, Naming::Modern, false);
        const std::string e = loadError(p);
        CHECK(e.find("block1_conv2") != std::string::npos);
        CHECK(e.find("input channels") != std::string::npos);
    }
    SUBCASE("HDF5 but not Keras") {
        const std::string p = dir + "/plain.h5";
        writeKerasFile(p, {}, Naming::Legacy, false);
        // A file with only an input layer holds no convolutions.
        CHECK(loadError(p).find("no convolution") != std::string::npos);
    }
    SUBCASE("missing file") {
        CHECK(loadError(dir + "/nope.h5").find("does not exist") != std::string::npos);
    }
    fs::remove_all(dir);
}

TEST_CASE("untrained VGG19 is seeded / labelled and has the real architecture") {
    ModelOptions o;
    o.untrained = true;
    auto a = Model::load(o);
    auto b = Model::load(o);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->untrained());
    CHECK(a->label().find("untrained") != std::string::npos);
    CHECK(totalParams(a->layers()) == 20024384);
    const cv::Mat img = randomImage(32, 32, 9);
    cv::Mat x, y;
    REQUIRE(a->setInputSize({32, 32}).ok());
    REQUIRE(b->setInputSize({32, 32}).ok());
    REQUIRE(a->forward(img, "block2_conv1", x).ok());
    REQUIRE(b->forward(img, "block2_conv1", y).ok());
    CHECK(cv::norm(x, y, cv::NORM_INF) == 0.0);
    CHECK(cv::norm(x, cv::NORM_INF) > 0.0);
}

TEST_CASE("layer catalogue: shapes / receptive fields / article layers / unknown layer lists the valid ones") {
    ModelOptions o;
    o.untrained = true;
    auto m = Model::load(o);
    REQUIRE(m.ok());
    const LayerInfo* l = m->find("block5_conv4");
    REQUIRE(l);
    CHECK(l->shape == std::vector<int>{512, 14, 14});
    CHECK(l->receptiveField == 252);
    CHECK(l->stride == 16);
    CHECK(m->find("block1_conv1")->receptiveField == 3);
    CHECK(m->articleLayers() == std::vector<std::string>{"block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
                                                          "block3_conv1", "block3_conv4", "block4_conv1", "block4_conv4",
                                                          "block5_conv1", "block5_conv4"});
    auto bad = m->requireSpatialLayer("block9_conv1");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("unknown layer 'block9_conv1'") != std::string::npos);
    CHECK(bad.error().find("block5_conv4") != std::string::npos);
    REQUIRE(m->setInputSize({640, 480}).ok());
    CHECK(m->find("block5_pool")->shape == std::vector<int>{512, 15, 20});
    // 2 x multiply-adds: 39.0 GFLOP at 224x224 for the 16 convolutions.
    REQUIRE(m->setInputSize({224, 224}).ok());
    CHECK(double(m->flopsTo("block5_conv4")) / 1e9 == doctest::Approx(39.0).epsilon(0.01));
}
