#!/bin/bash
# One restart block of the GC A/B (perf/gc-2026-12-03.md): the dev cluster restarted with the given
# environment, shared_buffers 6GB, session_pages/pool_pages, every TPC-H SF1 table and index
# prewarmed, then per query one warm-up and 3 timed runs with pg_fusion on; prints "label query ms"
# and a "#faults" line (worker minor faults and CPU ms since its start). WD/LD: another build.
# ALTER SYSTEM settings stay: reset shared_buffers, session_pages and pool_pages afterwards.
# usage: run.sh label "ENV=... ENV2=..." session_pages pool_pages [queries]
label=$1; envs=$2; sp=${3:-256}; pp=${4:-2048}; qs=${5:-$(seq 1 22)}
cd "$(dirname "$0")/.."
psqlp="/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p 54329 -U postgres -At"
$psqlp -d postgres -c "alter system set pg_fusion.session_pages=$sp" -c "alter system set pg_fusion.pool_pages=$pp" -c "alter system set shared_buffers='6GB'" >/dev/null
./pgfusion stop >/dev/null 2>&1
env PGFUSION_TRACE_REQUESTS=1 $envs ${WD:+PGFUSION_WORKER_DIR=$WD} ${LD:+PGFUSION_LIBDIR=$LD} ./pgfusion start >/dev/null 2>&1
sleep 8
psql="$psqlp -d tpch_sf1"
$psql -c "select sum(pg_prewarm(c.oid)) from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname='public' and c.relkind in ('r','i')" >/dev/null 2>&1
for q in $qs; do
  f=tests/tpch/queries/q$(printf %02d $q).sql
  { echo "set pg_fusion.enable=on;"; echo "\\o /dev/null"; cat $f; echo; echo "\\timing on"; for r in 1 2 3; do cat $f; echo; done; } > /tmp/gc-ab-q.sql
  $psql -f /tmp/gc-ab-q.sql 2>&1 | grep -o "Time: [0-9.]*" | awk -v q=$q -v l=$label '{print l, q, $2}'
done
wpid=$($psql -c "select pid from pg_fusion_worker_status()" 2>/dev/null)
[ -n "$wpid" ] && awk -v l=$label '{print "#faults", l, $10, "cpu_ms", ($14+$15)*10}' /proc/$wpid/stat
