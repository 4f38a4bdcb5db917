#!/usr/bin/env bash
# mem8: interleaved A/B of the worker's resident heap (RssAnon peak) for hash aggregates whose
# groups' min / max text passes pg_fusion.work_mem, in one build: "before" = PGFUSION_MINMAX_HELD=0
# in the worker's environment (min / max's store not counted against the budget, text compacted by
# rows only, as before this branch), "after" = the default. Each run restarts the cluster (fresh
# worker) through perf/mem6-window-rss.sh, which samples RssAnon every 0.2 s.
# Needs table bigm in database postgres: CREATE TABLE bigm AS SELECT i AS id, i % 50000 AS g,
# md5(i::text) AS payload FROM generate_series(1, 500000) i. Usage: PGFUSION_PORT=551xx perf/mem8-ab.sh ROUNDS [query-name...]
# BUILD=folder (with worker/ and lib/, as perf/mem6-window-rss.sh takes) runs a copy of a build, so that the worktree can be rebuilt meanwhile; default: this worktree's build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}; shift || true
names=${*:-wide many}
declare -A Q B
# payload repeated 32 times (pg_fusion has no repeat()): 1 kB a row
cat32=$(printf 'payload||%.0s' $(seq 1 31))payload
# 50,000 groups of 1 kB max text at 4 MB: keys and state arrays (~2.6 MB) fit, the text (~51 MB) does not
Q[wide]="SELECT count(*), sum(length(mx)), max(mx) < 'z' FROM (SELECT g, max($cat32) mx FROM bigm GROUP BY g) q"
B[wide]=4MB
# 250,000 groups of 96-byte max text at 1 MB: the keys alone pass the budget, so both spill
Q[many]="SELECT count(*), sum(length(mx)), max(mx) < 'z' FROM (SELECT id / 2 k, max(payload||payload||payload) mx FROM bigm GROUP BY id / 2) q"
B[many]=1MB
for r in $(seq 1 "$rounds"); do
  for name in $names; do
    for mode in before after; do
      if [ $mode = before ]; then env=PGFUSION_MINMAX_HELD=0; else env=PGFUSION_MINMAX_HELD=1; fi
      line=$(WORKER_ENV=$env EXPLAIN=${EXPLAIN:-0} Q="${Q[$name]}" "$root/perf/mem6-window-rss.sh" "${BUILD:-after}" "${B[$name]}")
      echo "$(date -u +%H:%M:%S) round=$r query=$name mode=$mode load=$(cut -d' ' -f1 /proc/loadavg) ${line#after }"
    done
  done
done
