#!/bin/sh
# Cost of the class maps at block5_conv4, 224x224 (issue 25's targets), on the untrained VGG19
# with its seeded head (the same arithmetic as the with-top weights):
#  - Grad-CAM alone: `cam messi5.jpg --repeat REPEAT` (the map computed REPEAT times on one frame,
#    nothing else running between: the median chain forward to the logits and backward to
#    block5_conv4), alternating ROUNDS times with the model's own forward to block5_conv4
#    (`bench`, FRAMES frames after a warm-up): the per-round ratio and the median of them;
#  - Grad-CAM in the command on a video (VIDEO=1): `cam vtest.avi --frames FRAMES` per frame, the
#    first (warm-up) left out, with the decoder and the GIF encoder sharing the cores;
#  - Score-CAM seconds per frame (512 masked forwards in batches of BATCH) on messi5.jpg,
#    against pytorch-grad-cam's published CPU figure (ScoreCAM on ResNet-18: +6.8 s per image).
# Usage: bench/cam_cost.sh [OUT_DIR]
#   (env: CNNSCOPE_BIN, ROUNDS=3, REPEAT=8, FRAMES=6, VIDEO=1, BATCH=16, SCORECAM=1)
set -eu
BIN=${CNNSCOPE_BIN:-build/cnnscope}
OUT=${1:-out/bench_cam}
ROUNDS=${ROUNDS:-3}
REPEAT=${REPEAT:-8}
FRAMES=${FRAMES:-6}
BATCH=${BATCH:-16}
DATA=/usr/share/doc/opencv-doc/examples/data
mkdir -p "$OUT"
grep -m1 "model name" /proc/cpuinfo | sed 's/.*: /cpu: /'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    "$BIN" cam "$DATA/messi5.jpg" --untrained -q --method gradcam --layer block5_conv4 --repeat "$REPEAT" \
        --out "$OUT/gradcam_alone.npy" --json "$OUT/gradcam_alone_$r.json"
    "$BIN" bench --untrained -q --layer block5_conv4 --input-size 224x224 --frames "$FRAMES" --warmup 2 \
        --json "$OUT/forward_$r.json" >/dev/null
    r=$((r + 1))
done
if [ "${VIDEO:-1}" = 1 ]; then
    "$BIN" cam "$DATA/vtest.avi" --untrained -q --method gradcam --layer block5_conv4 --frames "$FRAMES" --out "$OUT/gradcam.gif" \
        --json "$OUT/gradcam.json"
fi
if [ "${SCORECAM:-1}" = 1 ]; then
    start=$(date +%s.%N)
    "$BIN" cam "$DATA/messi5.jpg" --untrained -q --method scorecam --layer block5_conv4 --batch "$BATCH" --out "$OUT/scorecam.npy" \
        --json "$OUT/scorecam.json"
    end=$(date +%s.%N)
    echo "$start $end" > "$OUT/scorecam_wall.txt"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$OUT" "$ROUNDS" "$REPEAT" <<'PY'
import json, os, statistics, sys
out, rounds, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ratios = []
for r in range(1, rounds + 1):
    cam = json.load(open(os.path.join(out, f"gradcam_alone_{r}.json")))["frames"][0]
    fwd = json.load(open(os.path.join(out, f"forward_{r}.json")))["results"][0]
    total = cam["forward_ms"] + cam["backward_ms"]
    ratios.append(total / fwd["forward_ms"])
    print(f"round {r}: grad-cam alone (median of {repeat}): chain forward {cam['forward_ms']:.1f} ms + backward "
          f"{cam['backward_ms']:.1f} ms = {total:.1f} ms; model forward to block5_conv4 {fwd['forward_ms']:.1f} ms "
          f"(min {fwd['forward_min_ms']:.1f}): {ratios[-1]:.2f} forwards")
print(f"grad-cam alone: median {statistics.median(ratios):.2f} forwards over {rounds} rounds "
      f"(range {min(ratios):.2f}-{max(ratios):.2f})")
video = os.path.join(out, "gradcam.json")
if os.path.exists(video):
    frames = json.load(open(video))["frames"][1:]
    f = statistics.median(x["forward_ms"] for x in frames)
    b = statistics.median(x["backward_ms"] for x in frames)
    fwd = json.load(open(os.path.join(out, f"forward_{rounds}.json")))["results"][0]
    print(f"grad-cam in `cam` on vtest.avi (decoder and GIF encoder beside it): chain forward {f:.1f} ms + backward {b:.1f} ms "
          f"= {f + b:.1f} ms = {(f + b) / fwd['forward_ms']:.2f} forwards")
wall = os.path.join(out, "scorecam_wall.txt")
if os.path.exists(wall):
    s, e = map(float, open(wall).read().split())
    print(f"score-cam: {e - s:.1f} s per frame (512 masked forwards in batches, plus loading and the faithfulness figure)")
PY
