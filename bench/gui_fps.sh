#!/usr/bin/env bash
# Render fps, inference fps and capture-to-display latency of the live window on vtest.avi at
# 224x224 and 640x480 input, for a shallow and a deep layer (scripted runs under Xvfb when there is
# no display). SIZES and CONV (a --conv kernel, default auto) may be set in the environment.
# Usage: bench/gui_fps.sh [FRAMES] [MODEL ARGS...]   (default 300 frames, --untrained)
set -euo pipefail
DEFAULT_FRAMES=300
# shellcheck source=bench/window_common.sh
source "$(dirname "$0")/window_common.sh"
sizes="${SIZES:-224x224 640x480}"
conv="${CONV:-auto}"
printf '%-8s %-14s %-6s %10s %12s %12s %10s %10s %8s\n' input layer view render_fps inference_fps inference_ms lat_p50_ms lat_p95_ms dropped
for size in $sizes; do
for layer in block1_conv1 block5_conv4; do
  for view in --grid "--channel 0"; do
    # shellcheck disable=SC2086
    "${run[@]}" "$bin" view "$clip" --layer "$layer" $view --input-size "$size" --conv "$conv" --frames "$frames" \
      --stats "$out/s.json" --size 1280x720 "${model[@]}" 2>/dev/null
    /usr/bin/python3 - "$out/s.json" "$layer" "${view%% *}" "$size" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"{sys.argv[4]:<8} {sys.argv[2]:<14} {sys.argv[3].lstrip('-'):<6} {s['render_fps']:10.1f} {s['inference_fps']:12.2f} "
      f"{s['inference_ms']:12.1f} {s['latency_ms']['p50']:10.0f} {s['latency_ms']['p95']:10.0f} {s['dropped_frames']:8d}")
PY
  done
done
done
