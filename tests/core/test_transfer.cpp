// Style transfer's gradient (through the backward engine, grad mode) against finite
// differences of its own loss, on a small net built here with known random weights.
#include "core/model/model.hpp"
#include "../support/keras_file.hpp"
#include "core/unit/transfer.hpp"

#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include <random>

using namespace cnnscope;

namespace {

SeqLayer conv(const std::string& name, int in, int out, std::mt19937& rng) {
    return test::seqConv(name, in, out, rng, -1.f, 1.f);
}

cv::Mat randomImage(cv::Size s, std::mt19937& rng) {
    cv::Mat m(s, CV_8UC3);
    std::uniform_int_distribution<int> u(0, 255);
    for (int i = 0; i < int(m.total() * 3); ++i) m.data[i] = uchar(u(rng));
    cv::GaussianBlur(m, m, cv::Size(3, 3), 0);  // some spatial structure
    return m;
}

}  // namespace

TEST_CASE("style transfer: the gradient matches finite differences of the loss") {
    std::mt19937 rng(16);
    SeqLayer pool;
    pool.name = "block1_pool";
    pool.kind = SeqLayer::Kind::MaxPool;
    pool.kh = pool.kw = 2;
    Model model = Model::fromSequential({conv("block1_conv1", 3, 4, rng), conv("block1_conv2", 4, 5, rng), pool,
                                         conv("block2_conv1", 5, 6, rng)},
                                        "tiny", "test");
    const cv::Size size(21, 15);
    REQUIRE(model.setInputSize(size));
    TransferOptions o;
    o.contentLayer = "block1_conv2";
    o.styleLayers = {"block1_conv1", "block2_conv1"};
    o.alpha = 1, o.beta = 1e3, o.tv = 0.05;
    auto t = StyleTransfer::create(model, randomImage(size, rng), randomImage(size, rng), size, o, randomImage(size, rng));
    REQUIRE_MESSAGE(t, t.error());
    const cv::Mat x = t->blob().clone();
    TransferLosses L;
    cv::Mat grad;
    REQUIRE(t->lossAndGradient(x, L, &grad));
    REQUIRE(grad.size == x.size);
    CHECK(L.content > 0);
    CHECK(L.style > 0);
    CHECK(L.tv > 0);
    CHECK(L.total == doctest::Approx(o.alpha * L.content + o.beta * L.style + o.tv * L.tv));

    // Central differences of a float32 forward are noisy for small steps and cross ReLU or pool
    // kinks for large ones: of a few step sizes, the best must agree.
    auto bestDifference = [&](const cv::Mat& d, std::initializer_list<double> steps, double analytic) {
        double best = 1e300, bestFd = 0;
        for (double h : steps) {
            TransferLosses lp, lm;
            REQUIRE(t->lossAndGradient(x + h * d, lp, nullptr));
            REQUIRE(t->lossAndGradient(x - h * d, lm, nullptr));
            const double fd = (lp.total - lm.total) / (2 * h);
            if (std::abs(fd - analytic) < best) best = std::abs(fd - analytic), bestFd = fd;
        }
        return bestFd;
    };
    // Directional derivatives along random unit directions: (L(x + h d) - L(x - h d)) / 2h vs g . d
    std::normal_distribution<float> n01(0.f, 1.f);
    for (int trial = 0; trial < 4; ++trial) {
        cv::Mat d(x.dims, x.size.p, CV_32F);
        for (size_t i = 0; i < d.total(); ++i) d.ptr<float>()[i] = n01(rng);
        d /= cv::norm(d);
        const double an = grad.dot(d);
        const double fd = bestDifference(d, {0.5, 0.2, 0.1}, an);
        INFO("trial " << trial << ": finite difference " << fd << ", gradient " << an);
        CHECK(std::abs(fd - an) <= 3e-3 * std::abs(an));
    }
    // And single pixels.
    for (int k = 0; k < 8; ++k) {
        const size_t i = std::uniform_int_distribution<size_t>(0, x.total() - 1)(rng);
        cv::Mat d(x.dims, x.size.p, CV_32F, cv::Scalar(0));
        d.ptr<float>()[i] = 1.f;
        const double an = grad.ptr<float>()[i];
        const double fd = bestDifference(d, {0.5, 0.2, 0.1, 0.05}, an);
        INFO("pixel " << i << ": finite difference " << fd << ", gradient " << an);
        CHECK(std::abs(fd - an) <= 2e-2 * std::max(std::abs(an), cv::norm(grad, cv::NORM_INF) * 1e-2));
    }
}

TEST_CASE("style transfer: steps lower the loss and keep pixels in range") {
    std::mt19937 rng(3);
    Model model = Model::fromSequential({conv("block1_conv1", 3, 4, rng), conv("block1_conv2", 4, 4, rng)}, "tiny", "test");
    const cv::Size size(16, 12);
    TransferOptions o;
    o.contentLayer = "block1_conv2";
    o.styleLayers = {"block1_conv1", "block1_conv2"};
    auto t = StyleTransfer::create(model, randomImage(size, rng), randomImage(size, rng), size, o);
    REQUIRE_MESSAGE(t, t.error());
    REQUIRE(t->step());
    const double first = t->losses().total;
    CHECK(t->losses().content == doctest::Approx(0.0));  // starts from the content image
    for (int i = 0; i < 30; ++i) REQUIRE(t->step());
    REQUIRE(t->evaluate());
    CHECK(t->iteration() == 31);
    CHECK(t->losses().total < 0.5 * first);
    const cv::Mat& x = t->blob();
    const Preprocess p;
    for (int c = 0; c < 3; ++c) {
        const cv::Mat plane(size, CV_32F, const_cast<float*>(x.ptr<float>()) + size_t(c) * size.area());
        double lo, hi;
        cv::minMaxIdx(plane, &lo, &hi);
        CHECK(lo >= -p.mean[c] - 1e-3);
        CHECK(hi <= 255 - p.mean[c] + 1e-3);
    }
    cv::Mat img;
    t->image(img);
    CHECK(img.size() == size);
    CHECK(img.type() == CV_8UC3);
}
