#!/bin/bash
# End-to-end timings for perf/scan.md on the dev cluster (PGFUSION_PORT, default 55106).
# usage: perf/scan-bench.sh <database> <runs> "<query>"...
# For each query: pg_fusion off with jit on, off with jit off, and on; runs+1 executions each,
# the first dropped as warm-up; prints the best client-side time (psql \timing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
db=$1; runs=$2; shift 2
export PGFUSION_PORT=${PGFUSION_PORT:-55106}
f=$(mktemp)
trap 'rm -f "$f"' EXIT
for q in "$@"; do
  for mode in "off;on" "off;off" "on;off"; do
    fusion=${mode%;*}; jit=${mode#*;}
    { echo "\\timing on"; echo "SET pg_fusion.enable=$fusion; SET jit=$jit;"; for _ in $(seq $((runs + 1))); do echo "$q;"; done; } > "$f"
    out=$("$root/pgfusion" psql -d "$db" -f "$f" 2>&1)
    best=$(echo "$out" | grep -E "^Time" | tail -n +4 | awk '{print $2}' | sort -n | head -1)
    err=$(echo "$out" | grep -m1 ERROR || true)
    echo "pg_fusion=$fusion jit=$jit best=${best} ms ${err} :: ${q:0:70}"
  done
done
