#!/bin/bash
# usage: perf/plantime-ab.sh <query> <method> <pairs> <dirA> <dirB>
q=$1; m=$2; n=$3; A=$4; B=$5
export PGFUSION_ROOT=${PGFUSION_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
for i in $(seq 1 $n); do
  a=$(PGFUSION_PROFILE_QUERY=$q dotnet $A/PgFusion.Benchmarks.dll cpu $m 200 1000 | sed -E 's/.*median ([0-9.]+), lowest ([0-9.]+), allocated ([0-9]+) KB.*/\1 \2 \3/')
  b=$(PGFUSION_PROFILE_QUERY=$q dotnet $B/PgFusion.Benchmarks.dll cpu $m 200 1000 | sed -E 's/.*median ([0-9.]+), lowest ([0-9.]+), allocated ([0-9]+) KB.*/\1 \2 \3/')
  echo "$a $b"
done | python3 -c "
import sys,statistics
rows=[list(map(float,l.split())) for l in sys.stdin if l.strip()]
for r in rows: print('A med %.3f low %.3f %dKB | B med %.3f low %.3f %dKB | B/A %.3f'%(r[0],r[1],r[2],r[3],r[4],r[5],r[3]/r[0]))
print('$q $m: A median-of-medians %.3f ms (lowest %.3f), %d KB; B %.3f ms (lowest %.3f), %d KB; median ratio B/A %.3f'%(statistics.median(r[0] for r in rows),min(r[1] for r in rows),rows[0][2],statistics.median(r[3] for r in rows),min(r[4] for r in rows),rows[0][5],statistics.median(r[3]/r[0] for r in rows)))
"
