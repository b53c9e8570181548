#!/usr/bin/env bash
# Downloads model weights listed in models/models.yml into models/, checking md5/sha1/sha256 sums.
#   models/fetch_models.sh                 the default: vgg19_keras (the article's 80 MB file)
#   models/fetch_models.sh NAME [NAME...]  entries by name (see --list)
#   models/fetch_models.sh --list          what can be fetched
#   models/fetch_models.sh --styles        every style network (starry_night, feathers, mosaic_onnx)
# Files are downloaded under a temporary name and moved into place only when complete and, where
# models.yml records a checksum, when it matches. Offline, it fails with a clear message and
# changes nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
catalogue="$here/models.yml"
dest="${CNNSCOPE_MODELS_DIR:-$here}"

# Prints "name|file|url|sum|config|config_url|kind" per entry; sum is "md5:HEX", "sha1:HEX",
# "sha256:HEX" or empty.
entries() {
    awk '
        function flush() { if (name != "") print name "|" file "|" url "|" sum "|" config "|" curl "|" kind; name=file=url=sum=config=curl=kind="" }
        function val(line) { sub(/^[^:]*:[ \t]*/, "", line); gsub(/^"|"$/, "", line); return line }
        /^  - name:/ { flush(); name = val($0); next }
        /^    file:/ { file = val($0) }
        /^    url:/ { url = val($0) }
        /^    md5:/ { if (val($0) != "") sum = "md5:" val($0) }
        /^    sha1:/ { if (val($0) != "") sum = "sha1:" val($0) }
        /^    sha256:/ { if (val($0) != "") sum = "sha256:" val($0) }
        /^    kind:/ { kind = val($0) }
        /^    config:/ { config = val($0) }
        /^    config_url:/ { curl = val($0) }
        END { flush() }' "$catalogue"
}

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then usage; exit 0; fi
if [[ "${1:-}" == "--list" ]]; then
    entries | while IFS='|' read -r name file url sum _ _ kind; do
        printf '%-14s %-6s %-52s %s\n' "$name" "${kind:-model}" "$file" "${sum:-(no checksum recorded)}"
    done
    exit 0
fi

if command -v curl >/dev/null; then
    download() { curl -fL --progress-bar --retry 2 --connect-timeout 15 -o "$2" "$1"; }
elif command -v wget >/dev/null; then
    download() { wget -q --timeout=15 -O "$2" "$1"; }
else
    echo "fetch_models.sh: neither curl nor wget is installed (apt-get install curl)" >&2
    exit 1
fi

# "md5:HEX" -> the file's md5 in the same form
sum_of() {  # algo file
    case "$1" in
        md5) md5sum "$2" ;; sha1) sha1sum "$2" ;; sha256) sha256sum "$2" ;;
    esac | cut -d' ' -f1
}

fetch_one() {  # url target sum
    local url="$1" target="$2" sum="$3" tmp algo="${3%%:*}" want="${3#*:}"
    if [[ -f "$target" ]]; then
        if [[ -z "$sum" ]] || [[ "$(sum_of "$algo" "$target")" == "$want" ]]; then
            echo "have $(basename "$target")"
            return 0
        fi
        echo "$(basename "$target") is present but its $algo does not match; downloading again" >&2
    fi
    tmp="$(mktemp "$dest/.download.XXXXXX")"
    trap 'rm -f "$tmp"' RETURN
    echo "downloading $url"
    if ! download "$url" "$tmp"; then
        echo "fetch_models.sh: download of $url failed (offline, or the server moved the file); nothing was changed" >&2
        return 1
    fi
    if [[ -n "$sum" ]]; then
        local got
        got="$(sum_of "$algo" "$tmp")"
        if [[ "$got" != "$want" ]]; then
            echo "fetch_models.sh: $algo of $(basename "$target") is $got, expected $want (corrupt download); nothing was changed" >&2
            return 1
        fi
    else
        echo "note: models.yml records no checksum for $(basename "$target"); its md5 is $(sum_of md5 "$tmp")" >&2
    fi
    chmod 0644 "$tmp"
    mv "$tmp" "$target"
    echo "saved $target"
}

if [[ "${1:-}" == "--styles" ]]; then
    mapfile -t wanted < <(entries | awk -F'|' '$7 == "style" { print $1 }')
else
    wanted=("$@")
fi
[[ ${#wanted[@]} -gt 0 ]] || wanted=(vgg19_keras)
mkdir -p "$dest"
status=0
for want in "${wanted[@]}"; do
    line="$(entries | awk -F'|' -v n="$want" '$1 == n')"
    if [[ -z "$line" ]]; then
        echo "fetch_models.sh: no model named '$want' in models.yml (try --list)" >&2
        status=1
        continue
    fi
    IFS='|' read -r name file url sum config curl_ _ <<<"$line"
    fetch_one "$url" "$dest/$file" "$sum" || status=1
    if [[ -n "$config" ]]; then
        fetch_one "$curl_" "$dest/$config" "" || status=1
    fi
done
exit $status
