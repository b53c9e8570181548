#!/usr/bin/env bash
# Builds and runs the test suite under sanitizers (CI runs this after the plain suite):
#   build-asan: AddressSanitizer + UndefinedBehaviorSanitizer, the whole suite (unit, GL, end-to-end)
#   build-tsan: ThreadSanitizer, the pipeline, hand-off, encoder-thread, history and download tests
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
jobs="$(nproc)"
supp="$(pwd)/tests/sanitizers"
if [[ "$which" == asan || "$which" == all ]]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCNNSCOPE_SANITIZE=address,undefined >/dev/null
  cmake --build build-asan -j"$jobs"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  # The generated CLI torture test runs a third of its default cases here (each is several times
  # slower under the sanitizers); the plain suite runs them all.
  CNNSCOPE_TORTURE_CASES=80 ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
    ctest --test-dir build-asan -j"$jobs" --output-on-failure -E "^gfx_|^e2e_Gui"
  # Mesa unloads its GL driver before LeakSanitizer runs, so leaks there have no stack to
  # suppress by name: the GL tests run with every address check but no leak check.
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" ctest --test-dir build-asan -j"$jobs" --output-on-failure -R "^gfx_|^e2e_Gui"
fi
if [[ "$which" == tsan || "$which" == all ]]; then
  # Without oneDNN: its JIT code and libgomp's barriers are not instrumented, so ThreadSanitizer
  # reports races inside them that are not there (false positives); the pipeline's threading is
  # the same with OpenCV's convolution.
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCNNSCOPE_SANITIZE=thread -DCNNSCOPE_BUILD_GUI=OFF -DCNNSCOPE_ONEDNN=OFF >/dev/null
  cmake --build build-tsan -j"$jobs" --target test_core test_record test_fetch
  TSAN_OPTIONS="suppressions=$supp/tsan.supp:halt_on_error=1:second_deadlock_stack=1" \
    ctest --test-dir build-tsan --output-on-failure -R "pipeline|latest-wins|slow sink|waiting submits|one writer and a reading|^download"
fi
