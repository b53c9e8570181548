#include "core/gram.hpp"

#include <algorithm>
#include <cmath>

namespace cnnscope {

Status gramMatrix(const cv::Mat& act, cv::Mat& out) {
    if (act.empty() || act.dims != 4 || act.size[0] != 1 || act.type() != CV_32F)
        return Error{"a Gram matrix needs a (1, C, H, W) float32 activation"};
    if (!act.isContinuous()) return Error{"a Gram matrix needs a contiguous activation"};
    const int C = act.size[1], HW = act.size[2] * act.size[3];
    if (HW == 0) return Error{"a Gram matrix needs a non-empty activation"};
    return guard([&]() -> Status {
        const cv::Mat f(C, HW, CV_32F, const_cast<float*>(act.ptr<float>()));
        cv::mulTransposed(f, out, false, cv::noArray(), 1.0 / HW, CV_32F);  // f * f^T / HW
        return {};
    });
}

Range renderGram(const cv::Mat& gram, Colormap cmap, float gamma, cv::Size size, cv::Mat& out) {
    double lo = 0, hi = 0;
    cv::minMaxIdx(gram, &lo, &hi);
    const float m = float(std::max(std::abs(lo), std::abs(hi)));
    const Range r{lo < 0 ? -m : 0.f, m > 0 ? m : 1.f};
    out.create(size, CV_8UC3);
    const cv::Mat g = gram.isContinuous() ? gram : gram.clone();
    colorizeScaled(g.ptr<float>(), g.rows, g.cols, r, gamma, cmap, out);  // samples like the shader
    return r;
}

double gramDistance(const cv::Mat& a, const cv::Mat& b) {
    CV_Assert(a.size() == b.size() && a.type() == b.type());
    const double nb = cv::norm(b, cv::NORM_L2);
    return nb > 0 ? cv::norm(a, b, cv::NORM_L2) / nb : cv::norm(a, cv::NORM_L2);
}

}  // namespace cnnscope
