#!/usr/bin/env bash
# What the style stage costs on this machine: Johnson's fast-neural-style generator (the real .t7
# files' architecture and size, random weights written by tests/e2e/style_nets.py) on vtest.avi.
#   1. the style stage alone (`stylize`, 20 frames) at several work sizes;
#   2. headless `record` of block1_conv2 with and without the stage (20 frames, whole process);
#   3. the window's inference rate with and without it (scripted `view` under Xvfb, if present).
# Usage: bench/style_cost.sh [MODEL ARGS...]   (default --untrained)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${CNNSCOPE_BIN:-$here/../build/cnnscope}"
model=("$@"); [[ ${#model[@]} -gt 0 ]] || model=(--untrained)
clip=/usr/share/doc/opencv-doc/examples/data/vtest.avi
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
/usr/bin/python3 -c "import sys; sys.path.insert(0, '$here/../tests/e2e'); import style_nets; style_nets.write_johnson_t7('$out/johnson.t7')"
echo "style network: Johnson et al. generator, instance norm, $(stat -c %s "$out/johnson.t7") bytes; $(nproc) cores"
echo
echo "1. style stage alone (stylize, 20 frames of vtest.avi)"
for size in 224x168 320x240 480x360 640x480; do
  line=$("$bin" stylize "$clip" --style "$out/johnson.t7" --style-size "$size" --frames 20 --out "$out/s.gif" 2>&1 | grep '^stylize: 20 frames')
  line="${line#*(}"; printf '   %-8s %s\n' "$size" "${line%)}"
  rm -f "$out/s.gif"
done
echo
echo "2. headless record, block1_conv2 grid, 20 frames at 640x480 (ms per frame for the whole run)"
for style in "" "--style $out/johnson.t7"; do
  # shellcheck disable=SC2086
  line=$("$bin" record "$clip" --layer block1_conv2 --frames 20 --size 640x480 --out "$out/r.gif" $style "${model[@]}" 2>&1 | grep '^record: 20 frames')
  label="${style:+with style}"; line="${line#*(}"; printf '   %-12s %s\n' "${label:-no style}" "${line%)}"
  rm -f "$out/r.gif"
done
if command -v xvfb-run >/dev/null; then
  echo
  echo "3. window (Xvfb, llvmpipe), block1_conv2, 150 UI frames: inference fps / render fps"
  for style in "" "--style $out/johnson.t7" "--style $out/johnson.t7 --compare"; do
    # shellcheck disable=SC2086
    xvfb-run -a -s "-screen 0 1280x720x24" "$bin" view "$clip" --layer block1_conv2 --frames 150 --stats "$out/st.json" \
      --size 1280x720 -q $style "${model[@]}" >/dev/null 2>&1
    /usr/bin/python3 -c "import json; s = json.load(open('$out/st.json')); print('   %-28s inference %.2f fps (%.0f ms), render %.1f fps' % ('$style'.replace('$out/', '') or 'no style', s['inference_fps'], s['inference_ms'], s['render_fps']))"
  done
fi
