#!/usr/bin/env bash
# The executor's precisions against PyTorch on the same cores, in one run (issue 21's table):
# VGG19's conv stack to block2_conv2 and block5_conv4 at 224x224 and 640x480, cnnscope f32 and
# bf16 alternating frame by frame, PyTorch f32 and bf16 (autocast, channels_last) in rounds between
# them (bench/torch_compare.py); then the guided back-projection at block5_conv4, 224x224, in each
# precision (forward and backward medians). Run it on an otherwise idle machine; it names the CPU.
# Usage: bench/precision.sh [OUTDIR] [MODEL ARGS...]   (default --untrained; needs python3-torch)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${CNNSCOPE_BIN:-$here/../build/cnnscope}"
out="${1:-bench-precision}"; shift || true
model=("$@"); [ ${#model[@]} -gt 0 ] || model=(--untrained)
mkdir -p "$out"
{ date -u; grep -m1 'model name' /proc/cpuinfo; grep -m1 -o -w -E 'amx_bf16|avx512_bf16' /proc/cpuinfo | sort -u | tr '\n' ' '; echo; nproc; uptime; } | tee "$out/machine.txt"
"$bin" targets | grep -E '^cpu (precision|executor)' | tee -a "$out/machine.txt"
/usr/bin/python3 "$here/torch_compare.py" --bin "$bin" --frames 10 --rounds 5 --conv auto --precision f32,bf16 \
  --input-size 224x224 --input-size 640x480 --layer block2_conv2 --layer block5_conv4 \
  $([ "${model[0]}" = --model ] && echo --model "${model[1]}") \
  --json "$out/torch_compare.json" 2>&1 | tee "$out/torch_compare.txt"
data=/usr/share/doc/opencv-doc/examples/data
for p in f32 bf16; do
  "$bin" backprop "$data/vtest.avi" "${model[@]}" --layer block5_conv4 --channel 3 --mode guided --precision "$p" \
    --out "$out/bp_$p.png" --repeat 5 2>&1 | grep -o 'forward.*' | sed "s/^/backprop block5_conv4 224x224 guided $p: /" | tee -a "$out/backprop.txt"
done
uptime | tee -a "$out/machine.txt"
