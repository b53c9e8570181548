#!/usr/bin/env bash
# The GPU targets on a machine with an NVIDIA GPU, whenever one is at hand (never part of the
# build or the tests): builds cnnscope, prints `cnnscope targets`, then benches the opencl target
# on NVIDIA's OpenCL (platform "NVIDIA CUDA") and, when this OpenCV has CUDA, cuda and cuda_fp16,
# at 224x224 and 640x480, into one JSON.
#
#   scripts/device-check.sh [OUT.json]         (default device-check.json)
#   OpenCV_DIR=/opt/opencv-cuda/lib/cmake/opencv4 scripts/device-check.sh   an OpenCV built with CUDA
#   DEVICE_CHECK_ANY=1 ...                     no NVIDIA GPU: bench whatever OpenCL device there is
#   SIZES="224x224 640x480" LAYERS="block1_conv1 block3_conv4 block5_conv4" FRAMES=10 BUILD=build-device
#
# Without an NVIDIA GPU (no nvidia-smi, or it lists none) it says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-device-check.json}")
sizes=${SIZES:-224x224 640x480}
layers=${LAYERS:-block1_conv1 block3_conv4 block5_conv4}
frames=${FRAMES:-10}
build=${BUILD:-build-device}

gpu=""
if command -v nvidia-smi >/dev/null 2>&1; then gpu=$(nvidia-smi -L 2>/dev/null | head -1 || true); fi
opencl_device=${OPENCL_DEVICE:-NVIDIA CUDA:GPU:}
if [[ -z $gpu ]]; then
  if [[ -z ${DEVICE_CHECK_ANY:-} ]]; then
    echo "device-check: no NVIDIA GPU here (nvidia-smi lists none); nothing to check. DEVICE_CHECK_ANY=1 benches any OpenCL device."
    exit 0
  fi
  gpu="none (DEVICE_CHECK_ANY: $(clinfo -l 2>/dev/null | grep -m1 Device | sed 's/.*Device #[0-9]*: //' || echo 'no OpenCL device'))"
  opencl_device=${OPENCL_DEVICE:-}
fi
echo "device-check: $gpu"

cmake_args=(-S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCNNSCOPE_BUILD_TESTS=OFF -DCNNSCOPE_BUILD_GUI=OFF)
[[ -n ${OpenCV_DIR:-} ]] && cmake_args+=("-DOpenCV_DIR=$OpenCV_DIR")
mkdir -p "$build"
cmake "${cmake_args[@]}" >"$build/device-check-cmake.log" 2>&1 || { cat "$build/device-check-cmake.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target cnnscope >"$build/device-check-build.log" 2>&1 || { tail -40 "$build/device-check-build.log"; exit 1; }
bin=$(realpath "$build/cnnscope")

dev_args=()
[[ -n $opencl_device ]] && dev_args=(--opencl-device "$opencl_device")
work=$(mktemp -d "${TMPDIR:-/tmp}/cnnscope-device-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin" targets "${dev_args[@]}" | tee "$work/targets.txt"

offered() { grep -Eq "^$1 +yes " "$work/targets.txt"; }
runs=()
for target in opencl cuda cuda_fp16; do
  offered "$target" || { echo "device-check: $target is not offered here: skipped"; continue; }
  size_args=()
  for s in $sizes; do size_args+=(--input-size "$s"); done
  layer_args=()
  for l in $layers; do layer_args+=(--layer "$l"); done
  json="$work/$target.json"
  echo "device-check: bench --target $target ($sizes; $layers; $frames frames)"
  if "$bin" bench --untrained --target "$target" "${dev_args[@]}" "${size_args[@]}" "${layer_args[@]}" \
       --frames "$frames" --json "$json" 2>"$work/$target.err"; then
    runs+=("$json")
  else
    echo "device-check: bench --target $target failed:"; cat "$work/$target.err"
  fi
  grep -E "warning|refused" "$work/$target.err" || true
done

python3 - "$out" "$gpu" "$work/targets.txt" "${runs[@]}" <<'PY'
import json, sys
out, gpu, targets = sys.argv[1:4]
doc = {"gpu": gpu, "targets": open(targets).read().splitlines(), "runs": [json.load(open(p)) for p in sys.argv[4:]]}
tmp = out + ".part"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=1)
import os
os.replace(tmp, out)
print(f"device-check: {len(doc['runs'])} bench run(s) -> {out}")
PY
