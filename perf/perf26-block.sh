#!/bin/bash
# usage: perf/perf26-block.sh WORKER_DIR "ENV=.. ENV=.." QUERIES RUNS
# perf23-block.sh on port 55126 (perf26): one restart block with the given worker build and
# environment, prewarm, one warm-up per query, then RUNS rounds over QUERIES in one psql session;
# prints per query the client walls (psql \timing), the worker's CPU over the timed rounds and,
# with PGFUSION_TRACE_REQUESTS=1 in ENV, the GCs and GC pause the worker's requests saw during them.
# Query "r" is `select count(*) from region` (the fixed cost of an offloaded query).
cd "$(dirname "$0")/.."
wdir=$1; envs=$2; queries=$3; runs=$4
export PGFUSION_PORT=55126 PGFUSION_WORKER_DIR=$wdir PGFUSION_LIBDIR=$PWD/native/pg_hooks PGFUSION_SHARED_BUFFERS=3GB
P="/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p 55126 -U postgres -d tpch_sf1"
log=.pgfusion/dev/postgres.log
mkdir -p /tmp/perf26
./pgfusion stop >/dev/null 2>&1
env $envs ./pgfusion start >/dev/null 2>&1
$P -Atc "select sum(pg_prewarm(c.oid)) from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname='public' and c.relkind in ('r','i')" >/dev/null
qdir=tests/tpch/queries
qtext() { if [ "$1" = r ]; then echo "select count(*) from region;"; else cat $qdir/q$1.sql; echo; fi; }
wpid=$($P -Atc "select pid from pg_fusion_worker_status()")
cpu="\\! awk '{print \"CPU\", \$14+\$15}' /proc/$wpid/stat"
mark="\\! wc -l < $log | sed 's/^/MARK /'"
{
  echo "set pg_fusion.enable=on;"; echo '\o /dev/null'
  for q in $queries; do qtext $q; done
  echo "$cpu"; echo "$mark"; echo '\timing on'
  for r in $(seq 1 $runs); do for q in $queries; do echo "\\echo Q$q"; qtext $q; done; done
  echo "$cpu"; echo "$mark"
} | $P 2>&1 | awk '/^Q[0-9r]/{q=$1} /^Time:/{print q, $2} /^CPU/{print "CPU", $2} /^MARK/{print "MARK", $2}' > /tmp/perf26/walls.txt
python3 - "$wdir" "$envs" "$log" <<'PY'
import sys, re, statistics as st, collections
d=collections.defaultdict(list)
cpu=[]; mark=[]
for l in open('/tmp/perf26/walls.txt'):
    q,ms=l.split()
    if q=="CPU": cpu.append(int(ms)); continue
    if q=="MARK": mark.append(int(ms)); continue
    d[q].append(float(ms))
n=sum(len(v) for v in d.values())
g=[0,0,0]; pause=0.0; alloc=0; reqs=0
lines=open(sys.argv[3], errors='replace').read().splitlines()[mark[0]:mark[1]] if len(mark)==2 else []
for l in lines:
    m=re.search(r'trace (\w+) slot \d+ bytes \d+ ms [\d.]+ gc (\d+)/(\d+)/(\d+) pause ([\d.]+) ms alloc (\d+) KB', l)
    if not m: continue
    reqs+=1
    for i in range(3): g[i]+=int(m.group(2+i))
    pause+=float(m.group(5)); alloc+=int(m.group(6))
print(f"worker CPU {(cpu[-1]-cpu[0])*10} ms over {n} runs; requests {reqs} gc0/1/2 {g[0]}/{g[1]}/{g[2]} pause {pause:.1f} ms alloc {alloc/1024:.1f} MB;", end=" ")
print(f"block worker={sys.argv[1].rsplit('/',1)[-1]} env='{sys.argv[2]}'", " ".join(f"{q}:med={st.median(v):.1f}[{','.join(f'{x:.0f}' for x in v)}]" for q,v in d.items()))
PY
