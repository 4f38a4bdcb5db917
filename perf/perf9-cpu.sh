#!/bin/bash
# usage: cpu.sh Q ROUNDS "label1:set stmts;" "label2:set stmts;" ...
# per run: wall ms, backend CPU (schedstat ns), worker CPU (utime+stime ticks of the worker process)
# PORT: the cluster with tpch_sf1 (default the dev cluster's 54329); used by perf9 and perf12.
q=$1; rounds=$2; shift 2
PORT=${PORT:-54329}
qdir=$(cd "$(dirname "$0")/../tests/tpch/queries" && pwd)
f=$(ls $qdir | grep -i "^q0*${q}\.sql$" | head -1)
sql=$qdir/$f
wpid=${WPID:-$(/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p $PORT -U postgres -Atc "select pid from pg_fusion_worker_status()")}
mkdir -p /tmp/perf9
out=/tmp/perf9/cpu-q$q-$$.sql
{
  echo "set pg_fusion.enable=on;"
  echo "select pg_backend_pid() as pid \\gset"; echo "\\setenv BPID :pid"
  echo "\\o /dev/null"
  for v in "$@"; do echo "${v#*:}"; cat $sql; echo; done
  for r in $(seq 1 $rounds); do
    for v in "$@"; do
      l=${v%%:*}
      echo "${v#*:}"
      echo "\\! echo B $l \$(date +%s%N) \$(awk '{print \$1}' /proc/\$BPID/schedstat) \$(awk '{printf \"%.0f\\n\", (\$14+\$15)*10000000}' /proc/$wpid/stat)"
      cat $sql; echo
      echo "\\! echo E $l \$(date +%s%N) \$(awk '{print \$1}' /proc/\$BPID/schedstat) \$(awk '{printf \"%.0f\\n\", (\$14+\$15)*10000000}' /proc/$wpid/stat)"
    done
  done
} > $out
echo "Q$q rounds=$rounds load=$(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M)"
/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p $PORT -U postgres -d tpch_sf1 -f $out 2>&1 | python3 -c '
import sys, statistics as st
tick=1e-6
b=None; res={}
for line in sys.stdin:
    p=line.split()
    if len(p)==5 and p[0] in ("B","E"):
        t,ns,bc,wc=p[1],int(p[2]),int(p[3]),int(p[4])
        if p[0]=="B": b=(ns,bc,wc)
        else: res.setdefault(t,[]).append(((ns-b[0])/1e6,(bc-b[1])*tick,(wc-b[2])*tick))
    elif "ERROR" in line: print(line.strip())
keys=list(res.keys()); base=keys[0]
for t,v in res.items():
    n=min(len(v),len(res[base]))
    rw=[v[i][0]/res[base][i][0] for i in range(n)]; rc=[v[i][1]/res[base][i][1] for i in range(n)]; rk=[v[i][2]/max(res[base][i][2],1e-9) for i in range(n)]
    rt=[(v[i][1]+v[i][2])/(res[base][i][1]+res[base][i][2]) for i in range(n)]
    print("%-8s wall %5.0f | be cpu %4.0f | wk cpu %4.0f | tot %4.0f | ratio vs %s: wall %.3f be %.3f wk %.3f tot %.3f (n=%d)" % (t, st.median(x[0] for x in v), st.median(x[1] for x in v), st.median(x[2] for x in v), st.median(x[1]+x[2] for x in v), base, st.median(rw), st.median(rc), st.median(rk), st.median(rt), n))
'
