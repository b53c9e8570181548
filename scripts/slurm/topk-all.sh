#!/bin/bash
# A whole topk run on a Slurm cluster: sharded-all.sh topk (its header says how).
exec "$(dirname "${BASH_SOURCE[0]}")/sharded-all.sh" topk "$@"
