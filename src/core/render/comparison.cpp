#include "core/render/comparison.hpp"

#include "core/unit/gram.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace cnnscope {

namespace {

cv::Mat fitWidth(const cv::Mat& img, int width) {
    const int h = std::max(1, int(std::lround(double(img.rows) * width / img.cols)));
    cv::Mat out;
    cv::resize(img, out, {width, h}, 0, 0, width < img.cols ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

cv::Mat column(const cv::Mat& frame, const cv::Mat& act, const cv::Mat& gram, Range gramScale, const std::string& title,
               const ComparisonInput& in, MosaicScratch& scratch) {
    const int W = in.column, C = act.size[1], mh = act.size[2], mw = act.size[3];
    cv::Mat maps, heat;
    renderView(act, in.view, {W, std::max(16, int(std::lround(double(W) * mh / mw)))}, maps, scratch);
    renderGram(gram, gramScale, in.view.colormap, in.view.norm.gamma, {W, W}, heat);
    const std::string what = in.view.grid ? "grid" : "channel " + std::to_string(std::min(in.view.channel, C - 1));
    cv::Mat parts[] = {withCaption(fitWidth(frame, W), title), withCaption(maps, in.layer + " " + what),
                       withCaption(heat, cv::format("Gram %dx%d, shared scale %.3g..%.3g", C, C, double(gramScale.lo), double(gramScale.hi)))};
    cv::Mat col;
    cv::vconcat(parts, 3, col);
    return col;
}

}  // namespace

Expected<ComparisonResult> renderComparison(const ComparisonInput& in) {
    if (in.original.empty() || in.stylised.empty() || in.originalAct.empty() || in.stylisedAct.empty())
        return Error{"a comparison needs both frames and both activations"};
    if (in.originalAct.dims != 4 || in.stylisedAct.dims != 4 || in.originalAct.size[1] != in.stylisedAct.size[1])
        return Error{"a comparison needs two (1, C, H, W) activations with the same channels"};
    if (in.column < 64 || in.column > 2048) return Error{"comparison column width must be between 64 and 2048 pixels"};
    return guard([&]() -> Expected<ComparisonResult> {
        ComparisonResult r;
        if (auto st = gramMatrix(in.originalAct, r.originalGram); !st) return Error{st.error()};
        if (auto st = gramMatrix(in.stylisedAct, r.stylisedGram); !st) return Error{st.error()};
        r.gramDistance = gramDistance(r.stylisedGram, r.originalGram);
        MosaicScratch scratch;
        const Range scale = gramRange(r.originalGram, r.stylisedGram);
        cv::Mat a = column(in.original, in.originalAct, r.originalGram, scale, "original", in, scratch);
        cv::Mat b = column(in.stylised, in.stylisedAct, r.stylisedGram, scale, "stylised: " + in.styleLabel, in, scratch);
        const int h = std::max(a.rows, b.rows);
        cv::copyMakeBorder(a, a, 0, h - a.rows, 0, 8, cv::BORDER_CONSTANT, cv::Scalar::all(40));
        cv::copyMakeBorder(b, b, 0, h - b.rows, 0, 0, cv::BORDER_CONSTANT, cv::Scalar::all(0));
        cv::Mat both;
        cv::hconcat(a, b, both);
        r.figure = captioned(both, in.caption,
                             cv::format("%s | %s | Gram distance %.3f (||Gs - Go|| / ||Go||)", in.modelLabel.c_str(), in.layer.c_str(),
                                        r.gramDistance),
                             displayFacts(in.view.colormap, in.view.norm));
        return r;
    });
}

}  // namespace cnnscope
