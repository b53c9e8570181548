// Per-model input preprocessing into reused buffers.
#include "core/model/preprocess.hpp"

#include <opencv2/imgproc.hpp>

namespace cnnscope {

const cv::Mat& preprocess(const cv::Mat& frame, const Preprocess& p, PreprocessBuffers& b) {
    CV_Assert(!frame.empty() && frame.depth() == CV_8U);
    const cv::Mat* src = &frame;
    if (frame.channels() == 1) {
        cv::cvtColor(frame, b.bgr, cv::COLOR_GRAY2BGR);
        src = &b.bgr;
    } else if (frame.channels() == 4) {
        cv::cvtColor(frame, b.bgr, cv::COLOR_BGRA2BGR);
        src = &b.bgr;
    }
    if (src->size() != p.size) {
        const bool shrink = src->cols > p.size.width || src->rows > p.size.height;
        cv::resize(*src, b.resized, p.size, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
        src = &b.resized;
    }
    const int H = p.size.height, W = p.size.width;
    const int sz[4] = {1, 3, H, W};
    b.blob.create(4, sz, CV_32F);
    float* planes[3] = {b.blob.ptr<float>(0, 0), b.blob.ptr<float>(0, 1), b.blob.ptr<float>(0, 2)};
    float mul[3], add[3];
    for (int c = 0; c < 3; ++c) {
        mul[c] = float(p.scale / p.stddev[c]);
        add[c] = float(-p.mean[c] / p.stddev[c]);
    }
    const int order[3] = {p.swapRB ? 2 : 0, 1, p.swapRB ? 0 : 2};
    for (int y = 0; y < H; ++y) {
        const uchar* row = src->ptr<uchar>(y);
        const size_t off = size_t(y) * W;
        for (int c = 0; c < 3; ++c) {
            float* dst = planes[c] + off;
            const int sc = order[c];
            const float m = mul[c], a = add[c];
            for (int x = 0; x < W; ++x) dst[x] = row[3 * x + sc] * m + a;
        }
    }
    return b.blob;
}

}  // namespace cnnscope
