#!/bin/bash
# A whole featvis or topk run on a Slurm cluster: N array tasks (one shard each, shard.sbatch)
# and the merge as a job that starts when all of them succeeded (--dependency=afterok):
#   scripts/slurm/sharded-all.sh COMMAND -n N -o OUTROOT [-p PARTITION] [-c CPUS] -- OPTIONS...
# (featvis-all.sh and topk-all.sh are this with COMMAND featvis and topk), e.g.
#   featvis-all.sh -n 16 -o /shared/fv -- --untrained --layer block4_conv1 --channels all
#   topk-all.sh -n 8 -o /shared/tk -- video.mp4 --untrained --layer block4_conv1
# The result is OUTROOT/merged/ (the folder one unsharded run writes); logs in OUTROOT/logs/.
# $CNNSCOPE names the binary (default: cnnscope on PATH; give an absolute path on a cluster).
# Prints "array JOBID merge JOBID" on stdout.
set -euo pipefail

cmd=${1:-}
case $cmd in
  featvis | topk) shift ;;
  *) echo "sharded-all.sh: error: give the command first: featvis or topk (or run featvis-all.sh / topk-all.sh)" >&2; exit 2 ;;
esac
me=$cmd-all.sh
usage() { echo "usage: $me -n N -o OUTROOT [-p PARTITION] [-c CPUS] -- ${cmd^^}-OPTIONS..." >&2; exit 2; }
n= out= partition= cpus=2
while getopts "n:o:p:c:h" opt; do
  case $opt in
    n) n=$OPTARG ;;
    o) out=$OPTARG ;;
    p) partition=$OPTARG ;;
    c) cpus=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[[ -n $n && -n $out ]] || usage
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "$me: error: -n must be a positive number of shards, got '$n'" >&2; exit 2; }
[[ $# -gt 0 ]] || { echo "$me: error: give the $cmd options after --, e.g. -- --layer block4_conv1 --channels all" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "$me: error: sbatch not found (install slurm-wlm, or run on a Slurm login node)" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cnnscope=${CNNSCOPE:-$(command -v cnnscope || true)}
[[ -n $cnnscope ]] || { echo "$me: error: cnnscope not on PATH; set CNNSCOPE=/path/to/cnnscope" >&2; exit 2; }
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
extra=()
[[ -n $partition ]] && extra+=(--partition "$partition")

array=$(CNNSCOPE=$cnnscope CNNSCOPE_SHARDS=$n sbatch --parsable "${extra[@]}" --job-name="$cmd" --array="0-$((n - 1))" \
  --cpus-per-task="$cpus" --export=ALL --output="$out/logs/shard-%a.log" "$here/shard.sbatch" "$cmd" "$out" "$@")
array=${array%%;*}
dirs=()
for ((i = 0; i < n; i++)); do dirs+=("$out/shard-$i"); done
merge=$(sbatch --parsable "${extra[@]}" --job-name="$cmd-merge" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out/logs/merge.log" --wrap="$(printf '%q ' "$cnnscope" "$cmd" merge "${dirs[@]}" --out "$out/merged")")
merge=${merge%%;*}
echo "array $array merge $merge"
echo "$me: $n shard(s) as array job $array, merge as job $merge -> $out/merged/ (logs: $out/logs/)" >&2
