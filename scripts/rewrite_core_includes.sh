#!/bin/sh
# Rewrites "core/<name>.hpp|cpp" paths to the subfolders src/core was grouped into (issue 12).
# Idempotent; run it over files written against the flat src/core:
#   scripts/rewrite_core_includes.sh [FILE...]   (default: every tracked source, test and doc file)
set -eu
script=$(mktemp)
trap 'rm -f "$script"' EXIT
while read -r dir names; do
  for n in $names; do
    printf 's#(^|[^a-z_/])((src/)?core/)%s\\.(hpp|cpp)#\\1\\2%s/%s.\\4#g\n' "$n" "$dir" "$n" >>"$script"
  done
done <<'MAP'
base alloc_counter expected finite interrupt latest limits parse quiet
io atomic_file image_header npy output_guard
model backend catalogue conv_mode keras_h5 model model_diff model_zoo onednn_conv preprocess style
pipeline history pipeline source
render atlas colormap comparison mosaic normalize view
unit backward gram receptive_field topk topk_sheet transfer
MAP
if [ "$#" -eq 0 ]; then
  cd "$(dirname "$0")/.."
  set -- $(git ls-files src tests fuzz bench shaders README.md |
    grep -E '\.(hpp|cpp|h|c|py|sh|frag|vert|md|txt|cmake)$')
fi
sed -E -i -f "$script" "$@"
