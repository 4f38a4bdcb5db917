#!/usr/bin/env bash
# mem7: interleaved A/B of the worker's resident heap (RssAnon peak) for the 5M-row window
# queries of perf/mem6-2026-12-02.md, in one build: "before" = PGFUSION_MINMAX_COMPACT=0 in the
# worker's environment (min/max keep every replaced value, as before this branch), "after" = the
# default (the store is compacted). Each run restarts the cluster (fresh worker) through
# perf/mem6-window-rss.sh. Usage: PGFUSION_PORT=551xx perf/mem7-ab.sh ROUNDS [query-name...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}; shift || true
names=${*:-window rownum}
declare -A Q
Q[window]="SELECT count(*), sum(s), max(c), min(mn), max(mx), max(r), max(payload)
FROM (SELECT payload, sum(x) OVER w s, count(*) OVER w c, min(x) OVER w mn, max(x) OVER w mx,
             row_number() OVER w r
      FROM bigw WINDOW w AS (ORDER BY y, id ROWS BETWEEN 100 PRECEDING AND CURRENT ROW)) q"
Q[rownum]="SELECT count(*), max(r), max(payload) FROM (SELECT payload, row_number() OVER (ORDER BY y, id) r FROM bigw) q"
# the same window without min/max above it (count and sum only): what the window path itself takes
Q[nominmax]="SELECT count(*), sum(s), sum(c), sum(r), sum(length(payload))
FROM (SELECT payload, sum(x) OVER w s, count(*) OVER w c, row_number() OVER w r
      FROM bigw WINDOW w AS (ORDER BY y, id ROWS BETWEEN 100 PRECEDING AND CURRENT ROW)) q"
for r in $(seq 1 "$rounds"); do
  for name in $names; do
    for mode in before after; do
      if [ $mode = before ]; then env=PGFUSION_MINMAX_COMPACT=0; else env=PGFUSION_MINMAX_COMPACT=1; fi
      line=$(WORKER_ENV=$env Q="${Q[$name]}" "$root/perf/mem6-window-rss.sh" after 4MB)
      echo "$(date -u +%H:%M:%S) round=$r query=$name mode=$mode load=$(cut -d' ' -f1 /proc/loadavg) ${line#after }"
    done
  done
done
