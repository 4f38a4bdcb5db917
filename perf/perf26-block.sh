#!/bin/bash
# usage: perf/perf23-block.sh WORKER_DIR "ENV=.. ENV=.." QUERIES RUNS
# One restart block on port 55126: restart the cluster with the given worker build and environment
# (PGFUSION_TRACE_REQUESTS=1 adds a log line per request), prewarm, one warm-up per query, then
# RUNS rounds over QUERIES in one psql session; prints per query the client walls (psql \timing).
cd "$(dirname "$0")/.."
wdir=$1; envs=$2; queries=$3; runs=$4
export PGFUSION_PORT=55126 PGFUSION_WORKER_DIR=$wdir PGFUSION_LIBDIR=$PWD/native/pg_hooks
P="/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p 55126 -U postgres -d tpch_sf1"
./pgfusion stop >/dev/null 2>&1
env $envs ./pgfusion start >/dev/null 2>&1
$P -Atc "select sum(pg_prewarm(c.oid)) from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname='public' and c.relkind in ('r','i')" >/dev/null
qdir=tests/tpch/queries
wpid=$($P -Atc "select pid from pg_fusion_worker_status()")
cpu="\\! awk '{print \"CPU\", \$14+\$15}' /proc/$wpid/stat"
{
  echo "set pg_fusion.enable=on;"; echo '\o /dev/null'
  for q in $queries; do cat $qdir/q$q.sql; echo; done
  echo "$cpu"; echo '\timing on'
  for r in $(seq 1 $runs); do for q in $queries; do echo "\\echo Q$q"; cat $qdir/q$q.sql; echo; done; done
  echo "$cpu"
} | $P 2>&1 | awk '/^Q[0-9]/{q=$1} /^Time:/{print q, $2} /^CPU/{print "CPU", $2}' > /tmp/perf26/walls.txt
python3 - "$wdir" "$envs" <<'PY'
import sys, statistics as st, collections
d=collections.defaultdict(list)
cpu=[]
for l in open('/tmp/perf26/walls.txt'):
    q,ms=l.split()
    if q=="CPU": cpu.append(int(ms)); continue
    d[q].append(float(ms))
n=sum(len(v) for v in d.values())
print(f"worker CPU {(cpu[-1]-cpu[0])*10} ms over {n} runs;", end=" ")
print(f"block worker={sys.argv[1].rsplit('/',1)[-1]} env='{sys.argv[2]}'", " ".join(f"{q}:med={st.median(v):.1f}[{','.join(f'{x:.0f}' for x in v)}]" for q,v in d.items()))
PY
