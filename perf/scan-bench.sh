#!/bin/bash
# End-to-end timings for perf/scan.md on the dev cluster (PGFUSION_PORT, default 55106).
#
# usage: perf/scan-bench.sh <database> <runs> "<query>"...
#   For each query: pg_fusion off with jit on, off with jit off, and on; runs+1 executions each,
#   the first dropped as warm-up; prints the best client-side time (psql \timing).
#
# usage: perf/scan-bench.sh --compare <before-worker-dir> <before-lib-dir> <database> <runs> "<query>"...
#   Before/after in one run: restarts the cluster (./pgfusion stop/start in this worktree) with the
#   "before" build (PGFUSION_WORKER_DIR / PGFUSION_LIBDIR given here), times pg_fusion on, restarts
#   with the current environment's build ("after"), times PostgreSQL (jit on, jit off) and pg_fusion
#   on, then "before" once more (a second sample of it, later in time). Prints the load average
#   before each block. The pg_fusion GUCs are each build's own defaults.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PGFUSION_PORT=${PGFUSION_PORT:-55106}
f=$(mktemp)
trap 'rm -f "$f"' EXIT

# time_query <db> <runs> <fusion on|off> <jit on|off> <query> -> "best ms"
time_query() {
  local db=$1 runs=$2 fusion=$3 jit=$4 q=$5 out best err
  { echo "\\timing on"; echo "SET pg_fusion.enable=$fusion; SET jit=$jit;"; for _ in $(seq $((runs + 1))); do echo "$q;"; done; } > "$f"
  out=$("$root/pgfusion" psql -d "$db" -f "$f" 2>&1)
  best=$(echo "$out" | grep -E "^Time" | tail -n +4 | awk '{print $2}' | sort -n | head -1)
  err=$(echo "$out" | grep -m1 ERROR || true)
  echo "${best}${err:+ $err}"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

if [ "${1:-}" = "--compare" ]; then
  before_worker=$2; before_lib=$3; db=$4; runs=$5; shift 5
  after_worker=${PGFUSION_WORKER_DIR:?set PGFUSION_WORKER_DIR to the build under test}
  after_lib=${PGFUSION_LIBDIR:?set PGFUSION_LIBDIR to the build under test}
  restart() {
    "$root/pgfusion" stop >/dev/null 2>&1 || true
    PGFUSION_WORKER_DIR=$1 PGFUSION_LIBDIR=$2 "$root/pgfusion" start >/dev/null 2>&1
    sleep 3 # the worker starts .NET after the postmaster
  }
  declare -A before1 before2 after pg_on pg_off
  restart "$before_worker" "$before_lib"
  echo "before #1, load $(load)"
  for q in "$@"; do before1[$q]=$(time_query "$db" "$runs" on off "$q"); echo "  before: ${before1[$q]} ms :: ${q:0:60}"; done
  restart "$after_worker" "$after_lib"
  echo "after, load $(load)"
  for q in "$@"; do
    pg_on[$q]=$(time_query "$db" "$runs" off on "$q")
    pg_off[$q]=$(time_query "$db" "$runs" off off "$q")
    after[$q]=$(time_query "$db" "$runs" on off "$q")
    echo "  PostgreSQL jit on ${pg_on[$q]} ms, jit off ${pg_off[$q]} ms, pg_fusion ${after[$q]} ms :: ${q:0:60}"
  done
  restart "$before_worker" "$before_lib"
  echo "before #2, load $(load)"
  for q in "$@"; do before2[$q]=$(time_query "$db" "$runs" on off "$q"); echo "  before: ${before2[$q]} ms :: ${q:0:60}"; done
  restart "$after_worker" "$after_lib"
  echo "load at end $(load)"
  echo
  echo "| query | PostgreSQL jit on | PostgreSQL jit off | pg_fusion before (#1 / #2) | pg_fusion after |"
  echo "|---|---:|---:|---:|---:|"
  for q in "$@"; do
    echo "| ${q:0:60} | ${pg_on[$q]} | ${pg_off[$q]} | ${before1[$q]} / ${before2[$q]} | ${after[$q]} |"
  done
  exit 0
fi

db=$1; runs=$2; shift 2
for q in "$@"; do
  for mode in "off;on" "off;off" "on;off"; do
    fusion=${mode%;*}; jit=${mode#*;}
    echo "pg_fusion=$fusion jit=$jit best=$(time_query "$db" "$runs" "$fusion" "$jit" "$q") ms :: ${q:0:70}"
  done
done
