#!/usr/bin/env bash
# A/B of late materialization: alternate cluster restarts with PGFUSION_LATE_MATERIALIZATION=1/0;
# per query one warm-up, then RUNS timed runs (psql \timing) and the pg_fusion worker's CPU time
# (utime+stime of the "pg_fusion worker" process, /proc) over those runs, per run.
set -u
ROOT=/work/wt/latemat
ROUNDS=${ROUNDS:-2}; RUNS=${RUNS:-3}; QUERIES=${QUERIES:-"6 14 12 19 1"}
PSQL="/usr/lib/postgresql/15/bin/psql -X -q -h 127.0.0.1 -p 55106 -U postgres -d tpch_sf1"
TCK=$(getconf CLK_TCK)
cpu() { awk -v t=$TCK '{print ($14+$15)*1000/t}' /proc/$1/stat; }
for round in $(seq 1 $ROUNDS); do
  for mode in ${MODES:-1 0}; do
    runuser -u postgres -- env PGFUSION_LATE_MATERIALIZATION=$mode /usr/lib/postgresql/15/bin/pg_ctl -D $ROOT/.pgfusion/dev/data -m fast -w restart >/dev/null 2>&1
    pm=$(head -1 $ROOT/.pgfusion/dev/data/postmaster.pid)
    for q in $QUERIES; do
      f=$ROOT/tests/tpch/queries/q$(printf %02d $q).sql
      { echo "set pg_fusion.enable = on;"; cat $f; } | $PSQL >/dev/null 2>&1
      w=$(pgrep -P $pm -f "pg_fusion worker" | head -1)
      { echo "set pg_fusion.enable = on;"; echo "\\timing on"; for r in $(seq 1 $RUNS); do cat $f; done; } > /tmp/latemat-ab-q.sql
      c0=$(cpu $w)
      times=$($PSQL -f /tmp/latemat-ab-q.sql 2>&1 | grep -oE "^Time: [0-9.]+" | awk '{print $2}' | tr '\n' ' ')
      c1=$(cpu $w)
      echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) round=$round late=$mode q$q: wall $times worker_cpu_ms_per_run $(awk -v a=$c0 -v b=$c1 -v n=$RUNS 'BEGIN{printf "%.0f", (b-a)/n}')"
    done
  done
done
