#!/usr/bin/env bash
# `cmake --install BUILD --prefix SCRATCH`, then the installed binary from another directory, with
# an empty HOME: it must run (`layers`, a `grid`) and read the catalogue installed beside it
# (PREFIX/share/cnnscope/models/models.yml), not the source tree's. Usage: test_install.sh BUILD [DATA]
set -euo pipefail
build=$(cd "$1" && pwd)
data=${2:-/usr/share/doc/opencv-doc/examples/data}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/cnnscope-install-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix
fail() { echo "test_install: FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$scratch/install.log" || { cat "$scratch/install.log" >&2; fail "cmake --install"; }
for f in bin/cnnscope share/cnnscope/models/models.yml share/cnnscope/models/fetch_models.sh; do
  [[ -f $prefix/$f ]] || fail "$f was not installed"
done
[[ -x $prefix/bin/cnnscope ]] || fail "bin/cnnscope is not executable"

# The installed catalogue, marked, is the one read from any directory.
sed -i 's/^  - name: vgg19_caffe$/  - name: vgg19_caffe_installed_copy/' "$prefix/share/cnnscope/models/models.yml"
mkdir -p "$scratch/elsewhere" "$scratch/home"
cd "$scratch/elsewhere"
run() { env -u CNNSCOPE_MODELS_DIR -u CNNSCOPE_MODEL HOME="$scratch/home" "$prefix/bin/cnnscope" "$@"; }
run --version | grep -q '^cnnscope ' || fail "--version"
run fetch --list >"$scratch/list.txt" || fail "fetch --list"
grep -q '^vgg19_caffe_installed_copy ' "$scratch/list.txt" || { cat "$scratch/list.txt" >&2; fail "the installed models.yml was not the one read"; }
run layers --untrained >"$scratch/layers.txt" 2>/dev/null || fail "layers"
grep -q '^block5_conv4 ' "$scratch/layers.txt" || fail "layers printed no VGG19 table"
run grid "$data/baboon.jpg" --untrained --input-size 64x64 --layer block1_conv1 --out g.png 2>/dev/null || fail "grid"
[[ -s g.png ]] || fail "grid wrote no g.png"
echo "test_install: ok ($prefix)"
