#!/bin/bash
# usage: ab.sh Q BLOCKS RUNS name=workerdir ...  -- restart blocks alternating the given worker builds (same extension .so);
# per block: restart, prewarm, 3 warm-ups in a session, then RUNS timed runs in a second session
# (wall ms per run from psql \timing; worker cpu ms and minflt per run from /proc/<worker>/stat)
q=$1; blocks=$2; runs=$3; shift 3
cd /work/wt/perf21
P="/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p 55105 -U postgres -d tpch_sf1"
f=tests/tpch/queries/q$q.sql
for b in $(seq $blocks); do
  for v in "$@"; do
    name=${v%%=*}; wd=${v#*=}
    ./pgfusion stop >/dev/null 2>&1
    PGFUSION_PORT=55105 PGFUSION_WORKER_DIR=$wd PGFUSION_LIBDIR=$PWD/native/pg_hooks ./pgfusion start >/dev/null 2>&1
    $P -Atc "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')" >/dev/null
    for t in 1 2 3 4 5 6 7 8 9 10; do W=$(pgrep -f 'postgres: pg_fusion worker' | while read p; do [ "$(readlink /proc/$p/cwd)" = $PWD/.pgfusion/dev/data ] && echo $p; done); [ -n "$W" ] && break; sleep 1; done
    (echo "set pg_fusion.enable=on; \\o /dev/null"; cat $f $f $f) | $P >/dev/null 2>&1
    out=$( (echo "set pg_fusion.enable=on;"; echo "\\o /dev/null"; echo "\\timing on"; cat $f; echo "\\! awk '{print \$10, \$14+\$15}' /proc/$W/stat > /tmp/perf21/st0"; for i in $(seq $runs); do cat $f; done) | $P 2>&1)
    c=($(awk '{print $10, $14+$15}' /proc/$W/stat)); a=($(cat /tmp/perf21/st0))
    walls=$(echo "$out" | grep '^Time' | tail -n $runs | awk '{print $2}' | tr '\n' ' ')
    med=$(echo $walls | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    echo "Q$q block $b $name load $(cut -d' ' -f1 /proc/loadavg) wall_median $med worker_ms/run $(( (c[1]-a[1])*10/runs )) minflt/run $(( (c[0]-a[0])/runs ))"
  done
done
