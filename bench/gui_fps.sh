#!/usr/bin/env bash
# Render fps, inference fps and capture-to-display latency of the live window on vtest.avi at
# 224x224, for a shallow and a deep layer (scripted runs under Xvfb when there is no display).
# Usage: bench/gui_fps.sh [FRAMES] [MODEL ARGS...]   (default 300 frames, --untrained)
set -euo pipefail
bin="${CNNSCOPE_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/cnnscope}"
frames="${1:-300}"; shift || true
model=("$@"); [[ ${#model[@]} -gt 0 ]] || model=(--untrained)
clip=/usr/share/doc/opencv-doc/examples/data/vtest.avi
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
run=(); [[ -n "${DISPLAY:-}" ]] || run=(xvfb-run -a -s "-screen 0 1280x720x24")
printf '%-14s %-6s %10s %12s %12s %10s %10s %8s\n' layer view render_fps inference_fps inference_ms lat_p50_ms lat_p95_ms dropped
for layer in block1_conv1 block5_conv4; do
  for view in --grid "--channel 0"; do
    # shellcheck disable=SC2086
    "${run[@]}" "$bin" view "$clip" --layer "$layer" $view --input-size 224x224 --frames "$frames" \
      --stats "$out/s.json" --size 1280x720 "${model[@]}" 2>/dev/null
    /usr/bin/python3 - "$out/s.json" "$layer" "${view%% *}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<14} {sys.argv[3].lstrip('-'):<6} {s['render_fps']:10.1f} {s['inference_fps']:12.2f} "
      f"{s['inference_ms']:12.1f} {s['latency_ms']['p50']:10.0f} {s['latency_ms']['p95']:10.0f} {s['dropped_frames']:8d}")
PY
  done
done
