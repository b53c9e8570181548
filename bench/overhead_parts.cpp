// Where the inference thread's time beside the forward goes: the preprocessing of a vtest.avi-sized
// frame (OpenCV's INTER_AREA resize on one core, then mean subtraction into planes) at 224x224 and
// 640x480, and the copy-out of block2_conv2-sized maps with its finite check, done the old way
// (copyTo, then cv::checkRange) and the current way (copyFinite: one pass over both cores).
// Build and run: cmake --build build --target overhead_parts && build/bench/overhead_parts
#include "core/base/finite.hpp"
#include "core/model/preprocess.hpp"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>

using namespace cnnscope;

namespace {
template <class F>
double msPerCall(F f) {
    for (int i = 0; i < 5; ++i) f();
    const auto t0 = std::chrono::steady_clock::now();
    constexpr int kCalls = 100;
    for (int i = 0; i < kCalls; ++i) f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / kCalls;
}
}  // namespace

int main() {
    std::printf("%d threads\n", cv::getNumThreads());
    cv::Mat frame(576, 768, CV_8UC3), resized;
    cv::randu(frame, 0, 255);
    for (const cv::Size size : {cv::Size(224, 224), cv::Size(640, 480)}) {
        Preprocess p;
        p.size = size;
        PreprocessBuffers b;
        const double resize = msPerCall([&] { cv::resize(frame, resized, size, 0, 0, cv::INTER_AREA); });
        const double whole = msPerCall([&] { preprocess(frame, p, b); });
        std::printf("768x576 -> %dx%d: INTER_AREA resize %.3f ms, whole preprocess %.3f ms\n", size.width, size.height, resize, whole);
    }
    for (const cv::Size map : {cv::Size(112, 112), cv::Size(320, 240)}) {
        const int sz[4] = {1, 128, map.height, map.width};
        cv::Mat act(4, sz, CV_32F), a, b;
        cv::randu(act, 0, 10);
        const double old = msPerCall([&] {
            act.copyTo(a);
            volatile bool ok = cv::checkRange(a, true);
            (void)ok;
        });
        const double now = msPerCall([&] { (void)copyFinite(act, b, "x"); });
        std::printf("copy-out of 128x%dx%d (%.1f MB): copyTo + checkRange %.3f ms, copyFinite %.3f ms\n", map.height, map.width,
                    double(act.total()) * 4 / 1e6, old, now);
    }
}
