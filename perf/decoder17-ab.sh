#!/bin/bash
# Alternated processes of several benchmark builds (decoder17): for each of P passes, one process per
# build in turn (the order rotated each pass), each `abn R <methods>` (PGFUSION_AB_METHODS, default
# DecodeQ1 ReadPages); one line per process with the load, the medians and WalkPage's code address
# mod 64 (runtime perf map). Builds are label=dir pairs, dir holding PgFusion.Benchmarks.dll.
# usage: decoder17-ab.sh P R label=dir label=dir ...   (PGFUSION_BENCH_PAGES_FILE: the saved pages)
P=$1; R=$2; shift 2
BUILDS=("$@")
export DOTNET_PerfMapEnabled=3 DOTNET_PerfMapShowOptimizationTiers=1
for p in $(seq 1 "$P"); do
  n=${#BUILDS[@]}
  for k in $(seq 0 $((n - 1))); do
    b=${BUILDS[$(( (k + p) % n ))]}
    label=${b%%=*}; dir=${b#*=}
    out=$(dotnet "$dir/PgFusion.Benchmarks.dll" abn "$R" ${PGFUSION_AB_METHODS:-DecodeQ1 ReadPages} 2>&1 & echo "PID $!"; wait)
    pid=$(echo "$out" | sed -n 's/^PID //p')
    meds=$(echo "$out" | sed -n 's/^median of .* rounds: \([A-Za-z0-9]*\) \([0-9.]*\) ms, min \([0-9.]*\).*/\1=\2(min \3)/p' | tr '\n' ' ')
    # every Tier-1 WalkPage (one per walker instantiation: its last type argument is the next-page prefetch count)
    code=$(grep -E 'WalkPage\(.*\[(OptimizedTier1|Tier1)\]' /tmp/perf-$pid.map 2>/dev/null \
      | sed -E -e 's/^(0x)?[0-9a-fA-F]+ ([0-9a-fA-F]+) .*\.C([0-9]+)\]::WalkPage.*/\3:\2/' -e 's/^(0x)?[0-9a-fA-F]+ ([0-9a-fA-F]+) .*::WalkPage.*/-:\2/' \
      | while IFS=: read form size; do printf 'walk%s size %d ' "$form" $((0x$size)); done)
    [ -z "$meds" ] && meds="FAILED $(echo "$out" | grep -m1 -i exception)"
    echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) pass $p $label $meds$code"
    rm -f /tmp/perf-$pid.map /tmp/perfinfo-$pid.map
  done
done
