#!/usr/bin/env bash
# PostgreSQL deforming the rows the decoder benchmark decodes, next to HeapPageDecoder on the
# same pages, in one run. Prints time per row for both and the ratio (see perf/decoder.md).
#
#   perf/pg-deform.sh [port] [database] [pages] [runs]
#
# PostgreSQL side: the first <pages> blocks of lineitem (a TID range scan, ctid < '(pages,0)',
# the same blocks DecoderBenchmarks reads), a SELECT of Q1's 7 columns (or all 16) with a filter
# that keeps every row, max_parallel_workers_per_gather = 0, pg_fusion off, run <runs> times in
# one session through EXPLAIN (ANALYZE, TIMING OFF). Per row: the backend's Execution Time
# (wall) and its CPU time (nanoseconds on CPU from /proc/<backend pid>/schedstat, steadier on
# a shared machine). A count(*) over the same blocks (no deforming) is the scan's own cost.
# Both with jit off and with JIT forced (jit_above_cost etc. 0: compiled expressions and deforming;
# its compile time is printed, and the CPU per row without it): the comparison takes PostgreSQL's best.
# Decoder side: `PgFusion.Benchmarks profile DecodeQ1|DecodeAll -<runs>` (wall and CPU per run).
# Needs: psql, a loaded TPC-H lineitem (tpch-load), built perf/PgFusion.Benchmarks, root or the
# cluster's OS user (to read /proc/<pid>/schedstat of the backend).
set -euo pipefail
PORT="${1:-55101}"
DB="${2:-tpch_sf1}"
PAGES="${3:-2000}"
RUNS="${4:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/perf/PgFusion.Benchmarks/bin/Release/net10.0/PgFusion.Benchmarks.dll"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"

q1_cols="l_quantity, l_extendedprice, l_discount, l_tax, l_returnflag, l_linestatus, l_shipdate"
all_cols="l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice, l_discount, l_tax, l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate, l_shipinstruct, l_shipmode, l_comment"
# keeps every row; written on the last projected column, so the filter itself deforms up to it
q1_sql="SELECT $q1_cols FROM lineitem WHERE ctid < '($PAGES,0)'::tid AND l_shipdate > date '1900-01-01'"
all_sql="SELECT $all_cols FROM lineitem WHERE ctid < '($PAGES,0)'::tid AND l_comment IS NOT NULL"
count_sql="SELECT count(*) FROM lineitem WHERE ctid < '($PAGES,0)'::tid"

# One session: settings, warm-up, then RUNS timed EXPLAINs; prints "rows wall_ms cpu_ms" per run.
pg_measure() {
  local sql="$1" jit="${2:-off}"
  {
    echo "SET max_parallel_workers_per_gather = 0;"
    echo "SET pg_fusion.enable = off;"
    if [ "$jit" = forced ]; then
      # JIT for a plan of any cost: compiled expressions and tuple deforming (jit_tuple_deforming), inlined and optimised
      echo "SET jit = on; SET jit_above_cost = 0; SET jit_optimize_above_cost = 0; SET jit_inline_above_cost = 0;"
    else
      echo "SET jit = off;"
    fi
    echo "SELECT pg_backend_pid() AS pid \\gset"
    echo "\\setenv PGFUSION_BACKEND_PID :pid"
    echo "EXPLAIN (ANALYZE, TIMING OFF) $sql;"
    for _ in $(seq "$RUNS"); do
      echo "\\o /dev/null"
      echo "SELECT 1;"
      echo "\\o"
      echo "\\! echo START \$(cut -d' ' -f1 /proc/\$PGFUSION_BACKEND_PID/schedstat)"
      echo "EXPLAIN (ANALYZE, TIMING OFF, COSTS ON, FORMAT JSON) $sql;"
      echo "\\! echo END \$(cut -d' ' -f1 /proc/\$PGFUSION_BACKEND_PID/schedstat)"
    done
  } | psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d "$DB" 2>&1 | python3 -c '
import json, sys
text = sys.stdin.read()
lines = text.splitlines()
start = None
buf = []
for line in lines:
    if line.startswith("START "):
        start = int(line.split()[1]); buf = []
    elif line.startswith("END "):
        end = int(line.split()[1])
        plan = json.loads("\n".join(buf))[0]
        node = plan["Plan"]
        while "Plans" in node: node = node["Plans"][0]  # the scan: its rows, also under count(*)
        jit = plan.get("JIT", {}).get("Timing", {}).get("Total", 0.0)  # ms of JIT compilation, when JIT ran
        print(node["Actual Rows"], plan["Execution Time"], (end - start) / 1e6, jit)
    elif start is not None:
        buf.append(line)
'
}

summarise() { # label, then "rows wall cpu" lines on stdin: median wall and cpu per row (ns)
  python3 -c '
import sys, statistics
label = sys.argv[1]
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
n = rows[0][0]
wall = statistics.median(r[1] for r in rows); cpu = sum(r[2] for r in rows) / len(rows)
cpum = statistics.median(r[2] for r in rows); jit = statistics.median(r[3] for r in rows)
extra = f"; JIT compilation median {jit:.2f} ms, CPU without it {(cpum-jit)*1e6/n:.1f} ns/row" if jit > 0 else ""
print(f"{label}: {int(n)} rows, median {wall:.2f} ms wall ({wall*1e6/n:.1f} ns/row), mean {cpu:.2f} ms CPU ({cpu*1e6/n:.1f} ns/row), median {cpum:.2f} ms CPU ({cpum*1e6/n:.1f} ns/row) over {len(rows)} runs{extra}")
' "$1"
}

echo "## PostgreSQL 15 (pg_fusion off, max_parallel_workers_per_gather = 0, first $PAGES blocks of lineitem)"
pg_measure "$count_sql" | summarise "count(*) (scan, no deforming)"
pg_measure "$q1_sql" | summarise "Q1's 7 columns"
pg_measure "$all_sql" | summarise "all 16 columns"
pg_measure "$q1_sql" forced | summarise "Q1's 7 columns, JIT forced (deforming compiled)"
pg_measure "$all_sql" forced | summarise "all 16 columns, JIT forced (deforming compiled)"

if [ -f "$BENCH" ]; then
  echo "## HeapPageDecoder (same blocks, PgFusion.Benchmarks profile)"
  export PGFUSION_BENCH_PAGES="$PAGES" PGFUSION_BENCH_CONNECTION="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=$DB"
  for m in DecodeQ1 DecodeAll; do dotnet "$BENCH" profile "$m" "-$((RUNS * 10))" | tail -n 2; done
else
  echo "(build perf/PgFusion.Benchmarks -c Release for the decoder side)"
fi
