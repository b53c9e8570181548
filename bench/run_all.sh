#!/usr/bin/env bash
# Every benchmark the README's Performance section quotes, one after the other in one run, on a
# machine left otherwise idle (a build running beside it slows the 2-thread forwards several
# times: oneDNN's and OpenCV's threads wait for each other at every layer). Writes each script's
# output to OUTDIR/<name>.txt (and JSON where the script has it) and prints it as it goes.
# Usage: bench/run_all.sh OUTDIR [MODEL ARGS...]   (default --untrained; needs python3-torch,
#        python3-torchvision, python3-matplotlib and xvfb for the window parts)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: bench/run_all.sh OUTDIR [MODEL ARGS...]}"; shift
mkdir -p "$out"
{ date -u; nproc; grep -m1 'model name' /proc/cpuinfo; uptime; } | tee "$out/machine.txt"
step() { local name="$1"; shift; echo "== $name: $*"; local t0=$SECONDS; "$@" 2>&1 | tee "$out/$name.txt"; echo "   ($((SECONDS - t0)) s)"; }
step torch_compare "$here/torch_compare.py" --frames 10 --json "$out/torch_compare.json"
step gui_fps "$here/gui_fps.sh" 300 "$@"
step window_features "$here/window_features.sh" 240 "$@"
step backward "$here/backward_bench.py" --json "$out/backward.json"
uptime | tee -a "$out/machine.txt"
