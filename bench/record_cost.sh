#!/usr/bin/env bash
# Encode cost per frame and file size of a 10 s recording of vtest.avi (10 fps -> 100 frames) at
# 640x480, as GIF and MP4, grid and single channel. Usage: bench/record_cost.sh [MODEL ARGS...]
set -euo pipefail
bin="${CNNSCOPE_BIN:-$(dirname "$0")/../build/cnnscope}"
model=("$@"); [[ ${#model[@]} -gt 0 ]] || model=(--untrained)
clip=/usr/share/doc/opencv-doc/examples/data/vtest.avi
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
printf '%-6s %-22s %10s %s\n' format view size_MB "timing (from cnnscope)"
for fmt in gif mp4; do
  for view in "--grid" "--channel 5"; do
    # shellcheck disable=SC2086
    line=$("$bin" record "$clip" --layer block1_conv1 $view --frames 100 --size 640x480 --out "$out/r.$fmt" "${model[@]}" 2>&1 | grep '^record: 100 frames')
    size=$(stat -c %s "$out/r.$fmt")
    printf '%-6s %-22s %10.1f %s\n' "$fmt" "block1_conv1 ${view#--}" "$(awk -v s="$size" 'BEGIN{print s/1e6}')" "${line#*(}"
    rm -f "$out/r.$fmt"
  done
done
