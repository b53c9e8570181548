#include "core/unit/gram.hpp"

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

Range gramRange(const cv::Mat& a, const cv::Mat& b) {
    double m = 0, lo = 0;
    for (const cv::Mat* g : {&a, &b}) {
        if (g->empty()) continue;
        double l = 0, h = 0;
        cv::minMaxIdx(*g, &l, &h);
        m = std::max({m, std::abs(l), std::abs(h)});
        lo = std::min(lo, l);
    }
    const float mf = m > 0 ? float(m) : 1.f;
    return {lo < 0 ? -mf : 0.f, mf};
}

void renderGram(const cv::Mat& gram, Range range, Colormap cmap, float gamma, cv::Size size, cv::Mat& out) {
    out.create(size, CV_8UC3);
    const cv::Mat g = gram.isContinuous() ? gram : gram.clone();
    colorizeScaled(g.ptr<float>(), g.rows, g.cols, range, gamma, cmap, out);  // samples like the shader
}

double gramDistance(const cv::Mat& a, const cv::Mat& b) {
    CV_Assert(a.size() == b.size() && a.type() == b.type());
    const double nb = cv::norm(b, cv::NORM_L2);
    return nb > 0 ? cv::norm(a, b, cv::NORM_L2) / nb : cv::norm(a, cv::NORM_L2);
}

}  // namespace cnnscope
