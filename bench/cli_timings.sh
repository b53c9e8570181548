#!/usr/bin/env bash
# Wall-clock times of the headless commands on vtest.avi at 224x224 (median of N runs, whole
# process: model load + decode + forward + render + write). Usage: bench/cli_timings.sh [N] [MODEL ARGS...]
set -euo pipefail
bin="${CNNSCOPE_BIN:-$(dirname "$0")/../build/cnnscope}"
runs="${1:-5}"; shift || true
model=("$@"); [[ ${#model[@]} -gt 0 ]] || model=(--untrained)
clip=/usr/share/doc/opencv-doc/examples/data/vtest.avi
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_cmd() {
  for _ in $(seq "$runs"); do
    local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) * 1000 }'
  done | median
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); runs: $runs; model: ${model[*]}"
printf '%-8s %-14s %10s\n' command layer median_ms
for layer in block1_conv1 block5_conv4; do
  printf '%-8s %-14s %10.0f\n' dump "$layer" "$(time_cmd "$bin" dump "$clip" --layer "$layer" --out "$out/a.npy" --input-size 224x224 "${model[@]}")"
  printf '%-8s %-14s %10.0f\n' grid "$layer" "$(time_cmd "$bin" grid "$clip" --layer "$layer" --out "$out/g.png" --input-size 224x224 "${model[@]}")"
done
printf '%-8s %-14s %10.0f\n' layers - "$(time_cmd "$bin" layers "${model[@]}")"
