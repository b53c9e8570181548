#!/usr/bin/env bash
# The window's resident memory with the with-top VGG19 (issue 25: the with-top weights are 548 MB):
# writes a file in the real layout and size of vgg19_weights_tf_dim_ordering_tf_kernels.h5 with
# seeded random (He-initialised) weights, as the real file cannot be downloaded here, and reads the
# stats JSON's rss_mb and rss_peak_mb of scripted runs on vtest.avi:
#   maps only (the pipeline's model: its conv part), then with --why gradcam (the Why worker's own
#   copy with the head), then with --why gradcam and the back-projection (a third copy).
# Usage: bench/why_memory.sh [FRAMES]   (env: CNNSCOPE_BIN; default 60 UI frames after the view is computed)
set -euo pipefail
DEFAULT_FRAMES=60
# shellcheck source=bench/window_common.sh
source "$(dirname "$0")/window_common.sh"
weights="$out/vgg19_top_random.h5"
/usr/bin/python3 - "$weights" "$(dirname "$0")/../tests/e2e" <<'PY'
import sys
import numpy as np
sys.path.insert(0, sys.argv[2])
from test_classify import write_with_top_h5  # the tests' writer of the with-top layout
cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
rng = np.random.default_rng(19)
layers, convs, cin, block, conv = [], {}, 3, 1, 1
for c in cfg:
    if c == "M":
        layers.append(f"block{block}_pool"); block += 1; conv = 1
        continue
    n = f"block{block}_conv{conv}"; conv += 1
    layers.append(n)
    convs[n] = ((rng.standard_normal((3, 3, cin, c), dtype=np.float32) * np.sqrt(2 / (9 * cin))).astype(np.float32), np.zeros(c, np.float32))
    cin = c
dense = [(n, (rng.standard_normal((i, o), dtype=np.float32) * np.sqrt(2 / i)).astype(np.float32), np.zeros(o, np.float32))
         for n, i, o in (("fc1", 25088, 4096), ("fc2", 4096, 4096), ("predictions", 4096, 1000))]
write_with_top_h5(sys.argv[1], convs, dense, layers=layers)
PY
grep -m1 "model name" /proc/cpuinfo | sed 's/.*: /cpu: /'
printf 'with-top file (random weights, real layout): %s MB\n' "$(( $(stat -c %s "$weights") / 1048576 ))"
field() { /usr/bin/python3 -c "import json,sys; s=json.load(open('$out/s.json')); print(eval(sys.argv[1], {'s': s}))" "$1"; }
printf '  %-34s %8s %8s\n' run rss_mb peak_mb
for args in "" "--why gradcam" "--why gradcam --backprop guided"; do
  # shellcheck disable=SC2086
  "${run[@]}" "$bin" view "$clip" --model "$weights" --layer block5_conv4 --frames "$frames" --stats "$out/s.json" --size 1280x720 $args 2>/dev/null
  printf '  %-34s %8.0f %8.0f\n' "maps${args:+ $args}" "$(field "s['rss_mb']")" "$(field "s['rss_peak_mb']")"
done
