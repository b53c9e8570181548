#!/usr/bin/env bash
# What the window's whole-network and single-unit features cost, from scripted runs on vtest.avi
# (under Xvfb when there is no display), read from each run's --stats JSON:
#   atlas      one atlas frame (every conv channel: forward to the last conv layer, downsample and
#              pack the tiles, upload) at 224x224 and 640x480 input;
#   history    bytes of kept frames per second of vtest.avi (768x576 at its 10 fps);
#   backprop   back-projection of the selected unit per frame, each mode, at block3_conv4 and
#              block5_conv4 (224x224), forward and backward apart;
#   topk       the top-9 accumulator's cost per fed frame at the same layers;
#   model2     the second network's forward beside the first (A | B | A - B) at the same layers.
# Usage: bench/window_features.sh [FRAMES] [MODEL ARGS...]   (default 240 UI frames, --untrained)
set -euo pipefail
DEFAULT_FRAMES=240
# shellcheck source=bench/window_common.sh
source "$(dirname "$0")/window_common.sh"
view() { "${run[@]}" "$bin" view "$clip" --frames "$frames" --stats "$out/s.json" --size 1280x720 "${model[@]}" "$@" 2>/dev/null; }
field() { /usr/bin/python3 -c "import json,sys; s=json.load(open('$out/s.json')); print(eval(sys.argv[1], {'s': s}))" "$1"; }

echo "atlas (every conv channel; ms per atlas frame, median over the run)"
printf '  %-8s %8s %10s %8s %10s %12s %7s\n' input total_ms forward_ms pack_ms upload_ms upload_bytes frames
for size in 224x224 640x480; do
  view --atlas --input-size "$size"
  printf '  %-8s %8.1f %10.1f %8.1f %10.2f %12d %7d\n' "$size" "$(field "s['atlas']['ms']['p50']")" "$(field "s['atlas']['forward_ms']")" \
    "$(field "s['atlas']['pack_ms']")" "$(field "s['atlas']['upload_ms']")" "$(field "s['atlas']['upload_bytes']")" "$(field "s['atlas']['frames']")"
done
echo
echo "history (vtest.avi 768x576, 10 fps)"
view --layer block1_conv1 --grid --input-size 224x224
printf '  %.2f MB per second of history; %d frames kept after the run\n' "$(field "s['history']['bytes_per_second'] / 1e6")" "$(field "s['history']['frames']")"
echo
echo "back-projection and top-9 per frame at 224x224 (ms; median over the run)"
printf '  %-13s %-7s %8s %10s %11s %8s %10s\n' layer mode unit_ms forward_ms backward_ms samples infer_ms
for layer in block3_conv4 block5_conv4; do
  for mode in guided deconv grad; do
    view --layer "$layer" --channel 0 --input-size 224x224 --backprop "$mode"
    printf '  %-13s %-7s %8.1f %10.1f %11.1f %8d %10.1f\n' "$layer" "$mode" "$(field "s['unit']['backprop_ms']['p50']")" \
      "$(field "s['unit']['backprop_ms']['forward']")" "$(field "s['unit']['backprop_ms']['backward']")" \
      "$(field "s['unit']['backprop_ms']['samples']")" "$(field "s['inference_ms']")"
  done
  view --layer "$layer" --channel 0 --input-size 224x224 --topk
  printf '  %-13s %-7s %8.2f %10s %11s %8d %10.1f\n' "$layer" topk "$(field "s['unit']['topk_ms']")" - - "$(field "s['unit']['topk_fed']")" "$(field "s['inference_ms']")"
done
echo
echo "second model (A | B | A - B, --model2 untrained: the same VGG19 as B) at 224x224"
printf '  %-13s %12s %10s %12s %12s\n' layer B_p50_ms diff_ms A_infer_ms render_fps
for layer in block3_conv4 block5_conv4; do
  view --layer "$layer" --grid --input-size 224x224 --model2 untrained
  printf '  %-13s %12.1f %10.2f %12.1f %12.1f\n' "$layer" "$(field "s['model2']['inference_ms_p50']")" "$(field "s['model2']['diff_ms']")" \
    "$(field "s['inference_ms']")" "$(field "s['render_fps']")"
done
