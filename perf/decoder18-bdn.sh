#!/bin/bash
# BenchmarkDotNet medians of the decoder over several process launches (decoder18).
#   perf/decoder18-bdn.sh LAUNCHES [methods...]    (default: DecodeQ1 DecodeQ1Opt DecodeAll DecodeAllOpt)
# Each launch is one BenchmarkDotNet run (DecoderConfig: in-process, 6 warm-up and 10 measured iterations,
# the thread-CPU clock with PGFUSION_BDN_THREAD_CPU=1, the default) of the given DecoderBenchmarks methods,
# with the JSON exporter; one line per launch: time, load, each method's median and lowest iteration
# (ms per call of 2,000 pages) and M tuples/s from the median, and the size of every Tier-1 WalkPage
# the runtime compiled (its perf map; AggressiveOptimization code shows as [Optimized]).
# Needs PGFUSION_BENCH_CONNECTION (a cluster with tpch_sf1) or PGFUSION_BENCH_PAGES_FILE.
N=${1:-5}; shift
METHODS=("${@:-DecodeQ1 DecodeQ1Opt DecodeAll DecodeAllOpt}")
read -r -a METHODS <<< "${METHODS[*]}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/perf/PgFusion.Benchmarks/bin/Release/net10.0/PgFusion.Benchmarks.dll"
export PGFUSION_BDN_THREAD_CPU=${PGFUSION_BDN_THREAD_CPU:-1} DOTNET_PerfMapEnabled=3 DOTNET_PerfMapShowOptimizationTiers=1
filters=()
for m in "${METHODS[@]}"; do filters+=("*DecoderBenchmarks.$m"); done
for n in $(seq 1 "$N"); do
  art=$(mktemp -d /tmp/decoder18-bdn.XXXXXX)
  load0=$(cut -d' ' -f1 /proc/loadavg)
  dotnet "$BENCH" --filter "${filters[@]}" --exporters json --artifacts "$art" > "$art/out.txt" 2>&1 &
  pid=$!
  wait $pid
  tuples=$(sed -n 's#^// \([0-9]*\) pages, \([0-9]*\) tuples, \([0-9]*\) tuple bytes#\2 \3#p' "$art/out.txt" | head -1)
  meds=$(python3 - "$art" $tuples <<'EOF'
import glob, json, sys
art, tuples, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out = []
for f in glob.glob(f"{art}/results/*-report-full*.json"):
    for b in json.load(open(f))["Benchmarks"]:
        s = b["Statistics"]
        med, lo = s["Median"] / 1e6, s["Min"] / 1e6
        out.append((b["Method"], f"{b['Method']}={med:.3f}(min {lo:.3f}) {tuples / med / 1e3:.1f}M/s {nbytes / med / 1e6:.2f}GB/s"))
print(" ".join(x for _, x in sorted(out)))
EOF
)
  code=$(grep -E '::WalkPage(Optimized)?\(.*\[(OptimizedTier1|Tier1|Optimized)\]' /tmp/perf-$pid.map 2>/dev/null \
    | sed -E 's/^(0x)?[0-9a-fA-F]+ ([0-9a-fA-F]+) .*::(WalkPage[A-Za-z]*)\(.*\[([A-Za-z0-9]+)\].*/\3\/\4:\2/' \
    | while IFS=: read form size; do printf '%s %d ' "$form" $((0x$size)); done)
  [ -z "$meds" ] && meds="FAILED $(grep -m1 -i -E 'exception|error' "$art/out.txt")"
  echo "$(date -u +%H:%M:%S) load $load0-$(cut -d' ' -f1 /proc/loadavg) launch $n pid $pid $meds | $code"
  rm -f /tmp/perf-$pid.map /tmp/perfinfo-$pid.map
  rm -rf "$art"
done
