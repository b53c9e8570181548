// Counts heap allocations (malloc and friends) process-wide, for benchmarks that check the
// steady state allocates nothing. The counter interposes glibc's malloc when the build enables
// it (CNNSCOPE_COUNT_ALLOCS, off for sanitizer builds).
#pragma once

#include <cstdint>

namespace cnnscope {

// Allocations so far, or -1 when counting is not built in.
int64_t heapAllocations();

// Resident memory of this process in MiB (from /proc/self/statm), 0 when unknown.
double residentMemoryMb();
double peakResidentMemoryMb();  // VmHWM: the most resident memory the process has had (0 if unknown)

}  // namespace cnnscope
