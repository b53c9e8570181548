// Activation normalisation.
#include "core/render/normalize.hpp"

#include "core/base/parse.hpp"

#include <algorithm>
#include <cmath>

namespace cnnscope {

std::string normalizationHelp() {
    return "channel (min-max per channel, the article's), layer (min-max over the layer), fixed:LO:HI, percentile:P "
           "(clip each channel to its [100-P, P] percentiles)";
}

Expected<Normalization> parseNormalization(const std::string& text, float gamma) {
    Normalization n;
    if (!(gamma > 0.f && gamma <= 10.f)) return Error{"gamma must be in (0, 10], got " + std::to_string(gamma)};
    n.gamma = gamma;
    const std::string t = lower(text);
    auto number = [](const std::string& s, float& v) {
        try {
            size_t used = 0;
            v = std::stof(s, &used);
            return used == s.size() && std::isfinite(v);
        } catch (...) {
            return false;
        }
    };
    if (t == "channel") n.mode = NormMode::Channel;
    else if (t == "layer") n.mode = NormMode::Layer;
    else if (t.rfind("fixed:", 0) == 0) {
        n.mode = NormMode::Fixed;
        const std::string rest = t.substr(6);
        const auto colon = rest.find(':');
        if (colon == std::string::npos || !number(rest.substr(0, colon), n.fixedLo) || !number(rest.substr(colon + 1), n.fixedHi) ||
            !(n.fixedHi > n.fixedLo))
            return Error{"invalid normalisation '" + text + "': expected fixed:LO:HI with LO < HI, e.g. fixed:0:50"};
    } else if (t.rfind("percentile", 0) == 0) {
        n.mode = NormMode::Percentile;
        if (t.size() > 10 && (t[10] != ':' || !number(t.substr(11), n.percentile) || !(n.percentile > 50.f && n.percentile <= 100.f)))
            return Error{"invalid normalisation '" + text + "': expected percentile:P with 50 < P <= 100, e.g. percentile:99"};
    } else {
        return Error{"unknown normalisation '" + text + "'; choose one of: " + normalizationHelp()};
    }
    return n;
}

std::string describe(const Normalization& n) {
    std::string s;
    switch (n.mode) {
        case NormMode::Channel: s = "channel"; break;
        case NormMode::Layer: s = "layer"; break;
        case NormMode::Fixed: s = cv::format("fixed:%g:%g", n.fixedLo, n.fixedHi); break;
        case NormMode::Percentile: s = cv::format("percentile:%g", n.percentile); break;
    }
    if (n.gamma != 1.f) s += cv::format(" gamma %g", n.gamma);
    return s;
}

cv::Mat channelView(const cv::Mat& act, int c) {
    CV_Assert(act.dims == 4 && act.type() == CV_32F && c >= 0 && c < act.size[1]);
    return cv::Mat(act.size[2], act.size[3], CV_32F, const_cast<float*>(act.ptr<float>(0, c)));
}

void channelRanges(const cv::Mat& act, const Normalization& n, std::vector<Range>& out, std::vector<float>& scratch) {
    CV_Assert(act.dims == 4 && act.type() == CV_32F);
    const int C = act.size[1];
    const size_t plane = size_t(act.size[2]) * act.size[3];
    out.resize(size_t(C));
    for (int c = 0; c < C; ++c) {
        const float* p = act.ptr<float>(0, c);
        Range r;
        if (n.mode == NormMode::Fixed) {
            r = {n.fixedLo, n.fixedHi};
        } else if (n.mode == NormMode::Percentile) {
            scratch.assign(p, p + plane);
            auto at = [&](float q) {
                const size_t k = std::min(plane - 1, size_t(std::floor(q / 100.f * float(plane - 1) + 0.5f)));
                std::nth_element(scratch.begin(), scratch.begin() + long(k), scratch.end());
                return scratch[k];
            };
            r.hi = at(n.percentile);
            r.lo = at(100.f - n.percentile);
        } else {
            double lo = 0, hi = 0;  // OpenCV's SIMD min/max: several times std::minmax_element
            cv::minMaxIdx(cv::Mat(1, int(plane), CV_32F, const_cast<float*>(p)), &lo, &hi);
            r = {float(lo), float(hi)};
        }
        out[size_t(c)] = r;
    }
    if (n.mode == NormMode::Layer) {
        Range all{out.empty() ? 0.f : out[0].lo, out.empty() ? 0.f : out[0].hi};
        for (const Range& r : out) {
            all.lo = std::min(all.lo, r.lo);
            all.hi = std::max(all.hi, r.hi);
        }
        std::fill(out.begin(), out.end(), all);
    }
}

}  // namespace cnnscope
