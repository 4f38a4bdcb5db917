#!/usr/bin/env bash
# End to end through pg_fusion: scan-bound queries over lineitem with pg_fusion off and on,
# interleaved in one session, median client time (psql \timing) of <runs> runs each.
#
#   perf/e2e-scan.sh [port] [database] [runs]
#
# max_parallel_workers_per_gather = 0 so PostgreSQL runs on one core, as the worker does.
set -euo pipefail
PORT="${1:-55101}"
DB="${2:-tpch_sf1}"
RUNS="${3:-3}"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

queries=(
  "select count(*), sum(l_quantity) from lineitem"
  "select sum(l_extendedprice * l_discount) as revenue from lineitem where l_shipdate >= date '1994-01-01' and l_shipdate < date '1994-01-01' + interval '1' year and l_discount between 0.06 - 0.01 and 0.06 + 0.01 and l_quantity < 24"
  "select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty, sum(l_extendedprice) as sum_base_price, sum(l_extendedprice * (1 - l_discount)) as sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge, avg(l_quantity) as avg_qty, avg(l_extendedprice) as avg_price, avg(l_discount) as avg_disc, count(*) as count_order from lineitem where l_shipdate <= date '1998-12-01' - interval '90' day group by l_returnflag, l_linestatus order by l_returnflag, l_linestatus"
)
names=("count(*), sum(l_quantity)" "TPC-H Q6" "TPC-H Q1")

for i in "${!queries[@]}"; do
  q="${queries[$i]}"
  {
    echo "SET max_parallel_workers_per_gather = 0;"
    echo "SET jit = off;"
    echo "\\o /dev/null"
    echo "$q;"  # warm-up (buffers, kernel compile)
    echo "SET pg_fusion.enable = on;"
    echo "$q;"
    echo "\\timing on"
    for _ in $(seq "$RUNS"); do
      echo "SET pg_fusion.enable = off;"
      echo "$q;"
      echo "SET pg_fusion.enable = on;"
      echo "$q;"
    done
  } | psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d "$DB" 2>&1 | python3 -c '
import re, statistics, sys
name = sys.argv[1]
times = [float(m.group(1)) for m in re.finditer(r"Time: ([0-9.]+) ms", sys.stdin.read())]
# SET statements are timed too: runs come as (SET, query) pairs, off then on
q = times[1::2]
off, on = q[0::2], q[1::2]
mo, mn = statistics.median(off), statistics.median(on)
print(f"{name}: PostgreSQL {mo:.0f} ms, pg_fusion {mn:.0f} ms (median of {len(off)}), speedup {mo / mn:.2f}x")
' "${names[$i]}"
done
