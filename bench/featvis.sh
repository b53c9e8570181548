#!/usr/bin/env bash
# featvis cost: time per optimisation step (forward + backward + image chain) at SIZE on the
# untrained VGG19 (f32, cpu), cnnscope against the same loop in PyTorch (bench/featvis_torch.py)
# on the same THREADS cores, for each LAYER, cnnscope in each of PRECISIONS (f32 bf16: the backward
# chain's oneDNN executor; bf16 runs f32 where the CPU has no bf16, and says so); then per unit at 512 steps and the whole network
# (5,504 conv units) on N Slurm nodes, projected from the per-layer step times.
# Also one step of --diversity K (K images together) at DIVERSITY_LAYER.
#   bench/featvis.sh [BUILD_DIR] (env: PRECISIONS="f32 bf16" STEPS=8 SIZE=128 THREADS=2 LAYERS="block1_conv1 block3_conv1 block4_conv1 block5_conv4"
#                                 DIVERSITY=4 DIVERSITY_LAYER=block4_conv1; DIVERSITY=1 skips it)
set -euo pipefail
build=${1:-build}
steps=${STEPS:-8}
size=${SIZE:-128}
threads=${THREADS:-2}
layers=${LAYERS:-"block1_conv1 block2_conv1 block3_conv1 block4_conv1 block5_conv1 block5_conv4"}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores visible, $threads threads"
echo "size ${size}x${size}, $steps timed steps per layer (per-unit times are x512 steps)"
precisions=${PRECISIONS:-"f32 bf16"}
first=${precisions%% *}
printf '%-14s' layer
for p in $precisions; do printf ' %14s %12s' "$p ms/step" "$p s/unit"; done
printf ' %14s %12s\n' "torch ms/step" "torch s/unit"
declare -A ms
for l in $layers; do
  printf '%-14s' "$l"
  for p in $precisions; do
    line=$(OPENCV_FOR_THREADS_NUM=$threads "$build/cnnscope" featvis --untrained --precision "$p" --layer "$l" --channel 0 \
      --size "$size" --iterations "$steps" --out "$tmp/$l-$p.png" 2>&1 | grep -o '[0-9.]* ms per step' | cut -d' ' -f1)
    [[ $p == "$first" ]] && ms[$l]=$line
    printf ' %14s %12.1f' "$line" "$(echo "$line*512/1000" | bc -l)"
  done
  t=$(/usr/bin/python3 "$here/featvis_torch.py" "$l" "$size" "$steps" "$threads" | awk '{print $3}')
  printf ' %14s %12.1f\n' "$t" "$(echo "$t*512/1000" | bc -l)"
done
div=${DIVERSITY:-4}
dlayer=${DIVERSITY_LAYER:-block4_conv1}
if [[ $div -gt 1 ]]; then
  line=$(OPENCV_FOR_THREADS_NUM=$threads "$build/cnnscope" featvis --untrained --precision "$first" --layer "$dlayer" --channel 0 --size "$size" \
    --iterations "$steps" --diversity "$div" --out "$tmp/div/" 2>&1 | grep -o '[0-9.]* ms per step' | cut -d' ' -f1)
  printf '%s with --diversity %d: %s ms per step (%d images), %.1f s per unit (512 steps)\n' "$dlayer" "$div" "$line" "$div" \
    "$(echo "$line*512/1000" | bc -l)"
fi
# Whole network (at the first of PRECISIONS): every conv layer's units at the step time of the deepest measured layer not
# deeper than it (an underestimate for the layers in between), 512 steps each.
conv=(block1_conv1:64 block1_conv2:64 block2_conv1:128 block2_conv2:128 block3_conv1:256 block3_conv2:256 block3_conv3:256
      block3_conv4:256 block4_conv1:512 block4_conv2:512 block4_conv3:512 block4_conv4:512 block5_conv1:512 block5_conv2:512
      block5_conv3:512 block5_conv4:512)
total=0 last=0
for e in "${conv[@]}"; do
  name=${e%%:*} units=${e##*:}
  [[ -n ${ms[$name]:-} ]] && last=${ms[$name]}
  total=$(echo "$total + $units * $last * 512 / 1000" | bc -l)
done
printf 'whole VGG19 (5,504 units, 512 steps, %dx%d): %.1f h on one machine; on N nodes like it: ' "$size" "$size" "$(echo "$total/3600" | bc -l)"
for n in 4 16 64; do printf 'N=%d %.1f h  ' "$n" "$(echo "$total/3600/$n" | bc -l)"; done
echo
