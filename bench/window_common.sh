# Shared by the window benchmarks (gui_fps.sh, window_features.sh), sourced after `set -euo
# pipefail` with the script's arguments and its default UI frame count in DEFAULT_FRAMES: sets bin,
# frames, model (default --untrained), clip (vtest.avi), out (a temporary folder removed at exit)
# and run (xvfb-run when there is no display).
bin="${CNNSCOPE_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/cnnscope}"
frames="${1:-$DEFAULT_FRAMES}"; shift || true
model=("$@"); [[ ${#model[@]} -gt 0 ]] || model=(--untrained)
clip=/usr/share/doc/opencv-doc/examples/data/vtest.avi
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
run=(); [[ -n "${DISPLAY:-}" ]] || run=(xvfb-run -a -s "-screen 0 1280x720x24")
