#!/bin/bash
# A whole featvis run on a Slurm cluster: sharded-all.sh featvis (its header says how).
exec "$(dirname "${BASH_SOURCE[0]}")/sharded-all.sh" featvis "$@"
