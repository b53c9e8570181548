// Feature visualisation's objective: its gradient with respect to the spectrum (through the
// inverse DFT, colour matrix, sigmoid, random transform, preprocessing, the backward engine and
// the TV prior) against finite differences of the objective itself, on a small net with known
// random weights; steps raise the activation; a channel's result depends only on seed + channel.
#include "core/model/model.hpp"
#include "../support/keras_file.hpp"
#include "core/unit/featvis.hpp"
#include "core/unit/featvis_diversity.hpp"

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

TEST_CASE("featvis diversity: the Gram cosine sum's gradient matches finite differences") {
    std::mt19937 rng(24);
    std::normal_distribution<float> n(0.f, 1.f);
    const int shape[4] = {1, 5, 4, 3};
    std::vector<cv::Mat> acts;
    for (int k = 0; k < 3; ++k) {
        cv::Mat a(4, shape, CV_32F);
        for (size_t i = 0; i < a.total(); ++i) a.ptr<float>()[i] = std::max(0.f, n(rng));  // post-ReLU-like
        acts.push_back(a);
    }
    double D = 0;
    std::vector<cv::Mat> g;
    REQUIRE(gramCosineSum(acts, D, &g));
    // 6 ordered pairs of cosines of non-negative matrices: in (0, 6].
    CHECK(D > 0);
    CHECK(D <= 6 + 1e-9);
    for (int k = 0; k < 3; ++k)
        for (int trial = 0; trial < 5; ++trial) {
            const size_t i = size_t(std::uniform_int_distribution<int>(0, int(acts[0].total()) - 1)(rng));
            const float h = 1e-3f;
            std::vector<cv::Mat> plus, minus;
            for (const cv::Mat& a : acts) plus.push_back(a.clone()), minus.push_back(a.clone());
            plus[size_t(k)].ptr<float>()[i] += h;
            minus[size_t(k)].ptr<float>()[i] -= h;
            double dp = 0, dm = 0;
            REQUIRE(gramCosineSum(plus, dp));
            REQUIRE(gramCosineSum(minus, dm));
            const double fd = (dp - dm) / (2.0 * double(h)), an = g[size_t(k)].ptr<float>()[i];
            INFO("image " << k << " element " << i << ": finite difference " << fd << ", gradient " << an);
            CHECK(std::abs(fd - an) <= 1e-3 * std::max(1e-3, std::abs(an)) + 1e-6);
        }
    // Identical images: every cosine is 1, and a zero map counts as dissimilar (cosine 0).
    double same = 0;
    REQUIRE(gramCosineSum({acts[0], acts[0].clone()}, same));
    CHECK(same == doctest::Approx(2.0).epsilon(1e-12));
    cv::Mat zero(4, shape, CV_32F, cv::Scalar(0));
    double withZero = 0;
    REQUIRE(gramCosineSum({acts[0], zero}, withZero, &g));
    CHECK(withZero == 0);
    CHECK(cv::countNonZero(cv::Mat(5, 12, CV_32F, g[1].ptr<float>())) == 0);
}

TEST_CASE("featvis diversity: the K-image objective's gradient (activations, TV, diversity) matches finite differences") {
    std::mt19937 rng(31);
    FeatvisOptions o;
    o.size = cv::Size(18, 14);
    o.diversity = 3;
    for (int pass = 0; pass < 2; ++pass) {
        Model model = pass == 0 ? Model::fromSequential({fvConv("block1_conv1", 3, 4, rng)}, "tiny", "test") : tinyModel(rng);
        const std::string layer = pass == 0 ? "block1_conv1" : "block2_conv1";
        auto fv = FeatureVis::create(model, layer, o);
        REQUIRE_MESSAGE(fv, fv.error());
        std::vector<FeatvisTransform> t(3);
        t[1].angleDeg = 4.1, t[1].scale = 0.95, t[1].dx = -1.2;
        t[2].angleDeg = -6.0, t[2].scale = 1.04, t[2].dy = 0.8;
        std::vector<FeatvisParams> x;
        for (int k = 0; k < 3; ++k) x.push_back(randomParams(o.size, rng, 0.3f));
        const int channel = 1;
        const double tvWeight = 0.3, w = pass == 0 ? 2.0 : 0.5;
        double J = 0, sim = 0;
        std::vector<FeatvisParams> g;
        std::vector<double> acts;
        REQUIRE(fv->objectiveBatch(x, channel, t, tvWeight, w, J, &g, &acts, &sim));
        for (double a : acts) REQUIRE(a > 0);
        CHECK(sim > 0);
        CHECK(sim <= 1.0 + 1e-9);
        // The diversity term moves the objective: without it J is larger by w * 6 * sim / 3.
        double J0 = 0;
        REQUIRE(fv->objectiveBatch(x, channel, t, tvWeight, 0.0, J0, nullptr));
        CHECK(J0 - J == doctest::Approx(w * 2.0 * sim).epsilon(1e-6));
        std::vector<FeatvisParams> g0;
        REQUIRE(fv->objectiveBatch(x, channel, t, tvWeight, 0.0, J0, &g0));
        // J's (weight w) and the diversity term's alone (J at w minus J at 0) directional
        // derivatives along random directions, against central differences.
        auto value = [&](const std::vector<FeatvisParams>& at, bool divOnly) {
            double jw = 0, j0 = 0;
            REQUIRE(fv->objectiveBatch(at, channel, t, tvWeight, w, jw, nullptr));
            if (divOnly) REQUIRE(fv->objectiveBatch(at, channel, t, tvWeight, 0.0, j0, nullptr));
            return jw - j0;
        };
        for (int trial = 0; trial < 4; ++trial) {
            const bool divOnly = trial % 2 == 1;
            std::vector<FeatvisParams> d;
            double nn = 0;
            for (int k = 0; k < 3; ++k) d.push_back(randomParams(o.size, rng, 1.f)), nn += dot(d.back(), d.back());
            double an = 0;
            for (int k = 0; k < 3; ++k) {
                for (auto& m : d[size_t(k)].spectrum) m /= std::sqrt(nn);
                an += dot(g[size_t(k)], d[size_t(k)]) - (divOnly ? dot(g0[size_t(k)], d[size_t(k)]) : 0.0);
            }
            double best = 1e300, bestFd = 0;
            for (double h : {0.1, 0.03, 0.01, 0.003}) {
                std::vector<FeatvisParams> xp, xm;
                for (int k = 0; k < 3; ++k) xp.push_back(axpy(x[size_t(k)], h, d[size_t(k)])), xm.push_back(axpy(x[size_t(k)], -h, d[size_t(k)]));
                const double fd = (value(xp, divOnly) - value(xm, divOnly)) / (2 * h);
                if (std::abs(fd - an) < best) best = std::abs(fd - an), bestFd = fd;
            }
            const std::string what = layer + (divOnly ? " (diversity term)" : " (whole objective)");
            INFO(what << " trial " << trial << ": finite difference " << bestFd << ", gradient " << an);
            CHECK(std::abs(an) > 1e-6);
            // float32 forwards: the one-conv net to a few 1e-3; through a ReLU and max pool, kinks
            // too (the diversity term alone is the difference of two such objectives).
            CHECK(std::abs(bestFd - an) <= (pass == 0 ? 3e-3 : 5e-2) * std::abs(an));
        }
    }
}
