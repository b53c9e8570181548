#!/usr/bin/env bash
# Soak: the headless pipeline (decode, preprocess, forward, copy-out, normalise, colour, mosaic)
# for 10,000 frames of looping footage; prints resident memory after warm-up and at the end.
# Usage: bench/soak.sh [FRAMES] [LAYER] [WxH]   (default 10000 block1_conv1 112x112)
set -euo pipefail
bin="${CNNSCOPE_BIN:-$(dirname "$0")/../build/cnnscope}"
frames="${1:-10000}" layer="${2:-block1_conv1}" size="${3:-112x112}"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
"$bin" bench --untrained -q --layer "$layer" --input-size "$size" --frames "$frames" --warmup 50 --json "$out/soak.json"
/usr/bin/python3 - "$out/soak.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
growth = (r["rss_end_mb"] - r["rss_start_mb"]) / r["rss_start_mb"]
print(f"soak: {r['layer']} {r['input_size']}: {r['rss_start_mb']:.1f} -> {r['rss_end_mb']:.1f} MiB ({growth:+.2%}), "
      f"{'flat (within 5%)' if abs(growth) <= 0.05 else 'NOT flat'}")
sys.exit(0 if abs(growth) <= 0.05 else 1)
PY
