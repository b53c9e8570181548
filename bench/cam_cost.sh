#!/bin/sh
# Cost of the class maps at block5_conv4, 224x224 (issue 25's targets), on the untrained VGG19
# with its seeded head (the same arithmetic as the with-top weights):
#  - Grad-CAM per frame (chain forward + backward from the logits) against the model's own
#    forward (`bench`), over FRAMES frames of vtest.avi, the first (warm-up) left out;
#  - Score-CAM seconds per frame (512 masked forwards in batches of BATCH) on messi5.jpg,
#    against pytorch-grad-cam's published CPU figure (ScoreCAM on ResNet-18: +6.8 s per image).
# Usage: bench/cam_cost.sh [OUT_DIR]   (env: CNNSCOPE_BIN, FRAMES=6, BATCH=16, SCORECAM=1)
set -eu
BIN=${CNNSCOPE_BIN:-build/cnnscope}
OUT=${1:-out/bench_cam}
FRAMES=${FRAMES:-6}
BATCH=${BATCH:-16}
DATA=/usr/share/doc/opencv-doc/examples/data
mkdir -p "$OUT"
grep -m1 "model name" /proc/cpuinfo | sed 's/.*: /cpu: /'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" bench --untrained -q --layer block5_conv4 --input-size 224x224 --frames "$FRAMES" --warmup 1 --json "$OUT/forward.json" >/dev/null
"$BIN" cam "$DATA/vtest.avi" --untrained -q --method gradcam --layer block5_conv4 --frames "$FRAMES" --out "$OUT/gradcam.gif" \
    --json "$OUT/gradcam.json"
if [ "${SCORECAM:-1}" = 1 ]; then
    start=$(date +%s.%N)
    "$BIN" cam "$DATA/messi5.jpg" --untrained -q --method scorecam --layer block5_conv4 --batch "$BATCH" --out "$OUT/scorecam.npy" \
        --json "$OUT/scorecam.json"
    end=$(date +%s.%N)
    echo "$start $end" > "$OUT/scorecam_wall.txt"
fi
/usr/bin/python3 - "$OUT" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
fwd = json.load(open(os.path.join(out, "forward.json")))["results"][0]
frames = json.load(open(os.path.join(out, "gradcam.json")))["frames"][1:]
f = statistics.median(x["forward_ms"] for x in frames)
b = statistics.median(x["backward_ms"] for x in frames)
print(f"model forward (oneDNN, bench): median {fwd['forward_ms']:.1f} ms, min {fwd['forward_min_ms']:.1f} ms")
print(f"grad-cam: chain forward {f:.1f} ms + backward {b:.1f} ms = {f + b:.1f} ms = {(f + b) / fwd['forward_ms']:.2f} forwards")
wall = os.path.join(out, "scorecam_wall.txt")
if os.path.exists(wall):
    s, e = map(float, open(wall).read().split())
    print(f"score-cam: {e - s:.1f} s per frame (512 masked forwards in batches, plus loading and the faithfulness figure)")
PY
