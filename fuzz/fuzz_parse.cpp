// Fuzz target: user-typed values (sizes, normalisation, colormaps, output kinds, source kinds).
#include "core/render/colormap.hpp"
#include "core/render/normalize.hpp"
#include "core/base/parse.hpp"
#include "core/pipeline/source.hpp"
#include "record/sink.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string s(reinterpret_cast<const char*>(data), size);
    if (auto sz = cnnscope::parseSize(s, cnnscope::kMinInputSide, cnnscope::kMaxInputSide); sz.ok()) {
        if (sz->width < cnnscope::kMinInputSide || sz->height > cnnscope::kMaxInputSide) std::abort();
    }
    if (auto n = cnnscope::parseNormalization(s, 1.f); n.ok()) {
        if (n->mode == cnnscope::NormMode::Fixed && !(n->fixedHi > n->fixedLo)) std::abort();
        const float v = cnnscope::normalizeValue(0.5f, {n->fixedLo, n->fixedHi}, n->gamma);
        if (!(v >= 0.f && v <= 1.f)) std::abort();
    }
    (void)cnnscope::parseColormap(s);
    (void)cnnscope::sinkKindFor(s);
    (void)cnnscope::isImagePath(s);
    return 0;
}
