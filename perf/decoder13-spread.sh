#!/bin/bash
# Per-process spread of DecodeQ1 (decoder13): launches N benchmark processes one after the other, each
# `abn R DecodeQ1 ReadPages TouchLines` (PGFUSION_SPREAD_METHODS to change), and prints one line per
# process: its medians, the address of the Tier-1 code of TupleWalker.WalkPage (from the runtime's perf
# map) modulo 64 and 4096, and the Q1 decoder's shape guesses after the runs (DescribeState).
# usage: decoder13-spread.sh N [R] [label]   (environment: DOTNET_* knobs under test, PGFUSION_BENCH_*)
N=${1:-10}; R=${2:-7}; LABEL=${3:-default}
cd "$(dirname "$0")/.."
B="dotnet perf/PgFusion.Benchmarks/bin/Release/net10.0/PgFusion.Benchmarks.dll"
export PGFUSION_BENCH_CONNECTION=${PGFUSION_BENCH_CONNECTION:-"Host=127.0.0.1;Port=55103;Username=postgres;Database=tpch_sf1"}
export DOTNET_PerfMapEnabled=3 DOTNET_PerfMapShowOptimizationTiers=1
for i in $(seq 1 "$N"); do
  out=$($B abn "$R" ${PGFUSION_SPREAD_METHODS:-DecodeQ1 ReadPages TouchLines} 2>&1 & echo "PID $!"; wait)
  pid=$(echo "$out" | sed -n 's/^PID //p')
  g=$(echo "$out" | sed -n 's/^guesses://p')
  q1=$(echo "$out" | sed -n 's/^median of .* rounds: \([A-Za-z0-9]*\) \([0-9.]*\) ms, min \([0-9.]*\).*/\1=\2(min \3)/p' | tr '\n' ' ')
  line=$(grep -E 'WalkPage.*\[(OptimizedTier1|Optimized|Tier1)' /tmp/perf-$pid.map 2>/dev/null | tail -1)
  code=""; [ -n "$line" ] && { set -- $line; code="walk@$(($1 % 64))/64 $(($1 % 4096))/4096 size $((0x$2)) "; }
  echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) $LABEL pid $pid $q1 $code$g"
  rm -f /tmp/perf-$pid.map /tmp/perfinfo-$pid.map
done
