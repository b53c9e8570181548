#!/usr/bin/env bash
# Thin wrapper around `cnnscope fetch` (kept for old instructions): same arguments.
#   models/fetch_models.sh                 the default: vgg19_keras (the article's 80 MB file)
#   models/fetch_models.sh NAME [NAME...]  entries by name (see --list)
#   models/fetch_models.sh --list          what can be fetched
#   models/fetch_models.sh --styles        every style network (starry_night, feathers, mosaic_onnx)
# Downloads go to $CNNSCOPE_MODELS_DIR, else ~/.local/share/cnnscope/models; see `cnnscope fetch --help`
# (https only, checksums and sizes enforced: --no-checksum, --allow-http, --max-size, --catalogue).
# The binary: $CNNSCOPE_BIN, else build/cnnscope next to this checkout, else cnnscope on PATH.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${CNNSCOPE_BIN:-}"
if [[ -z "$bin" ]]; then
    if [[ -x "$here/../build/cnnscope" ]]; then bin="$here/../build/cnnscope"
    elif command -v cnnscope >/dev/null; then bin="$(command -v cnnscope)"
    else
        echo "fetch_models.sh: cnnscope is not built yet: cmake -S . -B build && cmake --build build, then run ./build/cnnscope fetch" >&2
        exit 1
    fi
fi
exec "$bin" fetch "$@"
