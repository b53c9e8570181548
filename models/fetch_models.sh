#!/usr/bin/env bash
# Downloads model weights listed in models/models.yml into models/, checking md5 sums.
#   models/fetch_models.sh                 the default: vgg19_keras (the article's 80 MB file)
#   models/fetch_models.sh NAME [NAME...]  entries by name (see --list)
#   models/fetch_models.sh --list          what can be fetched
# Files are downloaded under a temporary name and moved into place only when complete and, where
# models.yml records an md5, when it matches. Offline, it fails with a clear message and
# changes nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
catalogue="$here/models.yml"
dest="${CNNSCOPE_MODELS_DIR:-$here}"

# Prints "name|file|url|md5|config|config_url" per entry.
entries() {
    awk '
        function flush() { if (name != "") print name "|" file "|" url "|" md5 "|" config "|" curl; name=file=url=md5=config=curl="" }
        function val(line) { sub(/^[^:]*:[ \t]*/, "", line); gsub(/^"|"$/, "", line); return line }
        /^  - name:/ { flush(); name = val($0); next }
        /^    file:/ { file = val($0) }
        /^    url:/ { url = val($0) }
        /^    md5:/ { md5 = val($0) }
        /^    config:/ { config = val($0) }
        /^    config_url:/ { curl = val($0) }
        END { flush() }' "$catalogue"
}

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then usage; exit 0; fi
if [[ "${1:-}" == "--list" ]]; then
    entries | while IFS='|' read -r name file url md5 _ _; do
        printf '%-18s %-52s %s\n' "$name" "$file" "${md5:-(no md5 recorded)}"
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

fetch_one() {  # url target md5
    local url="$1" target="$2" md5="$3" tmp
    if [[ -f "$target" ]]; then
        if [[ -z "$md5" ]] || [[ "$(md5sum "$target" | cut -d' ' -f1)" == "$md5" ]]; then
            echo "have $(basename "$target")"
            return 0
        fi
        echo "$(basename "$target") is present but its md5 does not match; downloading again" >&2
    fi
    tmp="$(mktemp "$dest/.download.XXXXXX")"
    trap 'rm -f "$tmp"' RETURN
    echo "downloading $url"
    if ! download "$url" "$tmp"; then
        echo "fetch_models.sh: download of $url failed (offline, or the server moved the file); nothing was changed" >&2
        return 1
    fi
    local got
    got="$(md5sum "$tmp" | cut -d' ' -f1)"
    if [[ -n "$md5" && "$got" != "$md5" ]]; then
        echo "fetch_models.sh: md5 of $(basename "$target") is $got, expected $md5 (corrupt download); nothing was changed" >&2
        return 1
    fi
    [[ -n "$md5" ]] || echo "note: models.yml records no md5 for $(basename "$target"); its md5 is $got" >&2
    chmod 0644 "$tmp"
    mv "$tmp" "$target"
    echo "saved $target"
}

wanted=("$@")
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
    IFS='|' read -r name file url md5 config curl_ <<<"$line"
    fetch_one "$url" "$dest/$file" "$md5" || status=1
    if [[ -n "$config" ]]; then
        fetch_one "$curl_" "$dest/$config" "" || status=1
    fi
done
exit $status
