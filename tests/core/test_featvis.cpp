// Feature visualisation's objective: its gradient with respect to the spectrum (through the
// inverse DFT, colour matrix, sigmoid, random transform, preprocessing, the backward engine and
// the TV prior) against finite differences of the objective itself, on a small net with known
// random weights; steps raise the activation; a channel's result depends only on seed + channel.
#include "core/model/model.hpp"
#include "../support/keras_file.hpp"
#include "core/unit/featvis.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace cnnscope;

namespace {

SeqLayer fvConv(const std::string& name, int in, int out, std::mt19937& rng) {
    return test::seqConv(name, in, out, rng, 0.f, 1.f);
}

Model tinyModel(std::mt19937& rng) {
    SeqLayer pool;
    pool.name = "block1_pool";
    pool.kind = SeqLayer::Kind::MaxPool;
    pool.kh = pool.kw = 2;
    return Model::fromSequential({fvConv("block1_conv1", 3, 4, rng), fvConv("block1_conv2", 4, 5, rng), pool,
                                  fvConv("block2_conv1", 5, 6, rng)},
                                 "tiny", "test");
}

FeatvisParams randomParams(cv::Size s, std::mt19937& rng, float sd) {
    FeatvisParams p;
    std::normal_distribution<float> n(0.f, sd);
    for (int j = 0; j < 3; ++j) {
        cv::Mat m(s, CV_32FC2);
        for (size_t i = 0; i < m.total() * 2; ++i) m.ptr<float>()[i] = n(rng);
        p.spectrum.push_back(m);
    }
    return p;
}

FeatvisParams axpy(const FeatvisParams& x, double h, const FeatvisParams& d) {
    FeatvisParams r;
    for (int j = 0; j < 3; ++j) r.spectrum.push_back(x.spectrum[size_t(j)] + h * d.spectrum[size_t(j)]);
    return r;
}

double dot(const FeatvisParams& a, const FeatvisParams& b) {
    double s = 0;
    for (int j = 0; j < 3; ++j) s += a.spectrum[size_t(j)].dot(b.spectrum[size_t(j)]);
    return s;
}

}  // namespace

namespace {

// Directional derivatives along random unit directions: of a few steps (float32 noise for small
// ones, ReLU and pool kinks for large ones) the best must agree within `tol` (relative).
void checkGradient(FeatureVis& fv, cv::Size size, int channel, const FeatvisTransform& t, double tvWeight, double tol,
                   std::mt19937& rng) {
    const FeatvisParams x = randomParams(size, rng, 0.3f);
    double J = 0, act = 0;
    FeatvisParams g;
    REQUIRE(fv.objective(x, channel, t, tvWeight, J, &g, &act));
    REQUIRE(act > 0);
    for (int trial = 0; trial < 4; ++trial) {
        FeatvisParams d = randomParams(size, rng, 1.f);
        const double n = std::sqrt(dot(d, d));
        for (auto& m : d.spectrum) m /= n;
        const double an = dot(g, d);
        double best = 1e300, bestFd = 0;
        for (double h : {0.1, 0.03, 0.01, 0.003}) {
            double jp = 0, jm = 0;
            REQUIRE(fv.objective(axpy(x, h, d), channel, t, tvWeight, jp, nullptr));
            REQUIRE(fv.objective(axpy(x, -h, d), channel, t, tvWeight, jm, nullptr));
            const double fd = (jp - jm) / (2 * h);
            if (std::abs(fd - an) < best) best = std::abs(fd - an), bestFd = fd;
        }
        INFO("channel " << channel << " trial " << trial << ": finite difference " << bestFd << ", gradient " << an);
        CHECK(std::abs(an) > 1e-4);
        CHECK(std::abs(bestFd - an) <= tol * std::abs(an));
    }
}

}  // namespace

TEST_CASE("featvis: the objective's gradient matches finite differences") {
    std::mt19937 rng(26);
    FeatvisTransform t;
    t.angleDeg = 7.3, t.scale = 1.07, t.dx = 1.4, t.dy = -0.6;
    FeatvisOptions o;
    o.size = cv::Size(20, 14);
    SUBCASE("one conv + ReLU: the image chain (DFT, colour, sigmoid, transform, TV) exactly") {
        Model model = Model::fromSequential({fvConv("block1_conv1", 3, 4, rng)}, "tiny", "test");
        auto fv = FeatureVis::create(model, "block1_conv1", o);
        REQUIRE_MESSAGE(fv, fv.error());
        for (int channel : {0, 3}) {
            checkGradient(*fv, o.size, channel, t, 5.0, 1e-3, rng);
            checkGradient(*fv, o.size, channel, FeatvisTransform{}, 0.0, 1e-3, rng);
        }
    }
    SUBCASE("through convs, ReLUs and a max pool (the backward engine)") {
        Model model = tinyModel(rng);
        auto fv = FeatureVis::create(model, "block2_conv1", o);
        REQUIRE_MESSAGE(fv, fv.error());
        CHECK(fv->channels() == 6);
        for (int channel : {1, 4}) checkGradient(*fv, o.size, channel, t, 0.2, 2e-2, rng);
    }
}

TEST_CASE("featvis: steps raise the unit's activation, and a channel depends only on seed + channel") {
    std::mt19937 rng(7);
    Model model = tinyModel(rng);
    FeatvisOptions o;
    o.size = cv::Size(24, 24);
    o.iterations = 40;
    o.seed = 11;
    auto a = FeatureVis::create(model, "block2_conv1", o);
    REQUIRE_MESSAGE(a, a.error());
    auto b = FeatureVis::create(model, "block2_conv1", o);
    REQUIRE_MESSAGE(b, b.error());
    auto run = [&](FeatureVis& f, int channel, cv::Mat& image) {
        REQUIRE(f.start(channel));
        cv::Mat first;
        f.image(first);
        std::vector<double> m0, m1;
        REQUIRE(f.meanActivations(first, m0));
        for (int i = 0; i < o.iterations; ++i) REQUIRE(f.step());
        f.image(image);
        REQUIRE(f.meanActivations(image, m1));
        INFO("channel " << channel << ": " << m0[size_t(channel)] << " -> " << m1[size_t(channel)]);
        CHECK(m1[size_t(channel)] > m0[size_t(channel)] + 0.1);
    };
    cv::Mat a3, a2, b3;
    run(*a, 2, a2);
    run(*a, 3, a3);
    run(*b, 3, b3);  // channel 3 alone, in another instance
    CHECK(cv::norm(a3, b3, cv::NORM_INF) == 0);
    CHECK(cv::norm(a2, a3, cv::NORM_INF) > 0);
}
