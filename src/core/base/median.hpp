// The median of a few timings (the upper one of an even count), 0 when there are none.
#pragma once

#include <algorithm>
#include <vector>

namespace cnnscope {

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
    return v[v.size() / 2];
}

}  // namespace cnnscope
