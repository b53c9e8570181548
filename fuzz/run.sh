#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time.
# Findings land in build-fuzz/findings/TARGET/; once fixed, copy them into fuzz/regressions/TARGET/
# so that every build replays them (ctest: fuzz_regressions_TARGET).
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET ...]   (default 60 s; parse npy zoo h5attrs imghdr h5bound)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"; shift || true
targets=("$@"); [[ ${#targets[@]} -gt 0 ]] || targets=(parse npy zoo h5attrs imghdr h5bound)
command -v clang++ >/dev/null || { echo "fuzz/run.sh: clang++ is needed (apt-get install clang)" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCNNSCOPE_FUZZ=ON \
  -DCNNSCOPE_SANITIZE=address,undefined,fuzzer-no-link -DCNNSCOPE_BUILD_GUI=OFF -DCNNSCOPE_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
status=0
for t in "${targets[@]}"; do
  work="build-fuzz/corpus/$t" findings="build-fuzz/findings/$t"
  mkdir -p "$work" "$findings"
  echo "== fuzz_$t for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1 build-fuzz/fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$findings/" -print_final_stats=1 "$work" "fuzz/corpus/$t" "fuzz/regressions/$t" \
      2> "build-fuzz/fuzz_$t.log"; then
    echo "fuzz_$t FOUND A PROBLEM: see build-fuzz/fuzz_$t.log and $findings/" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov: " "build-fuzz/fuzz_$t.log" | tail -3
done
exit $status
