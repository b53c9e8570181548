// Fuzz target: the .h5 dataset-shape bound (declared shape against what the file stores).
// Invariant: whatever it accepts is at most 8 GB and fits the stored bytes (times deflate's
// best ratio when filtered) and the file's size; no overflow in the products.
#include "core/model/keras_h5.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto take = [&](size_t& at) {
        unsigned long long v = 0;
        const size_t n = at + 8 <= size ? 8 : (at < size ? size - at : 0);
        if (n) std::memcpy(&v, data + at, n);
        at += 8;
        return v;
    };
    if (size < 1) return 0;
    const int rank = 1 + data[0] % 4;
    const bool filtered = data[0] & 0x80;
    size_t at = 1;
    std::vector<unsigned long long> dims;
    for (int i = 0; i < rank; ++i) dims.push_back(take(at));
    const unsigned long long storage = take(at), fileBytes = take(at);
    const auto st = cnnscope::checkDatasetBound(dims, 4, storage, filtered, fileBytes);
    if (!st.ok()) {
        if (st.error().empty()) std::abort();
        return 0;
    }
    long double declared = 4;
    for (auto d : dims) declared *= (long double)d;
    if (declared <= 0 || declared > (long double)(uint64_t(1) << 33)) std::abort();
    if (declared > (filtered ? (long double)storage * 1100 : (long double)storage)) std::abort();
    if (declared > (long double)fileBytes * 1100) std::abort();
    return 0;
}
