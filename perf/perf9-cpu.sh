#!/bin/bash
# usage: [PORT=54329] [WPID=pid] [DETAIL=1] perf/perf9-cpu.sh Q ROUNDS "label1:set stmts;" "label2:set stmts;" ...
# Interleaved A/B of SET variants on TPC-H query Q in one psql session against tpch_sf1: one warm-up
# per variant, then ROUNDS rounds that run each variant in turn.
# Per run: wall ms (client), backend CPU (/proc/<backend>/schedstat), worker CPU (utime+stime of the
# worker process, 10 ms ticks). One line per variant: medians and per-round ratios against the first
# variant (this line's format is read by the perf notes; keep it).
# DETAIL=1 (perf18's script, merged here) adds: backend voluntary and nonvoluntary context switches
# (/proc/<backend>/status), worker context switches (summed over the worker's live threads: the
# session threads; partition threads that exited are not counted), the raw walls, and one
# EXPLAIN ANALYZE per variant per round, interleaved, with the medians of Backend Send Time, Wait
# Time, Waits, Worker Wakes, Page Messages and Execution Time.
# PORT: the cluster with tpch_sf1 (default the dev cluster's 54329). WPID: the worker's pid, when
# pg_fusion_worker_status() cannot give it (another cluster's install, say).
q=$1; rounds=$2; shift 2
PORT=${PORT:-54329}
DETAIL=${DETAIL:-0}
psql=/usr/lib/postgresql/15/bin/psql
qdir=$(cd "$(dirname "$0")/../tests/tpch/queries" && pwd)
f=$(ls $qdir | grep -i "^q0*${q}\.sql$" | head -1)
sql=$qdir/$f
wpid=${WPID:-$($psql -X -h 127.0.0.1 -p $PORT -U postgres -d tpch_sf1 -Atc "select pid from pg_fusion_worker_status()")}
mkdir -p /tmp/perf9
out=/tmp/perf9/cpu-q$q-$$.sql
# B|E label ns backend-cpu-ns backend-vcs backend-nvcs worker-cpu-ms worker-cs
probe="\\! echo %s \$l \$(date +%%s%%N) \$(awk '{print \$1}' /proc/\$BPID/schedstat) \$(awk '/^voluntary_ctxt/{v=\$2} /^nonvoluntary_ctxt/{n=\$2} END{print v, n}' /proc/\$BPID/status) \$(awk '{printf \"%%.0f\", (\$14+\$15)*10}' /proc/$wpid/stat) \$(cat /proc/$wpid/task/*/status 2>/dev/null | awk '/ctxt_switches/{s+=\$2} END{print s}')"
{
  echo "set pg_fusion.enable=on;"
  echo "select pg_backend_pid() as pid \\gset"; echo "\\setenv BPID :pid"
  echo "\\o /dev/null"
  for v in "$@"; do echo "${v#*:}"; cat $sql; echo; done
  for r in $(seq 1 $rounds); do
    for v in "$@"; do
      l=${v%%:*}
      echo "${v#*:}"
      echo "\\setenv l $l"
      printf "$probe\n" B
      cat $sql; echo
      printf "$probe\n" E
    done
  done
  if [ "$DETAIL" = 1 ]; then
    echo "\\o"
    for r in $(seq 1 $rounds); do
      for v in "$@"; do
        l=${v%%:*}
        echo "${v#*:}"
        echo "\\echo X $l"
        echo "explain (analyze, costs off, timing off)"; cat $sql; echo
      done
    done
  fi
} > $out
echo "Q$q rounds=$rounds load=$(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M) port=$PORT"
DETAIL=$DETAIL $psql -X -h 127.0.0.1 -p $PORT -U postgres -d tpch_sf1 -f $out 2>&1 | python3 -c '
import os, sys, re, statistics as st
detail = os.environ.get("DETAIL") == "1"
b=None; res={}; ex={}; cur=None
keys=["Backend Send Time","Backend Wait Time","Backend Waits","Backend Worker Wakes","Page Messages","Execution Time"]
for line in sys.stdin:
    p=line.split()
    if len(p)==8 and p[0] in ("B","E"):
        t=p[1]; v=[int(x) for x in p[2:]]
        if p[0]=="B": b=v
        else:
            d=[a-c for a,c in zip(v,b)]
            # wall ms, backend cpu ms, backend vcs, backend nvcs, worker cpu ms, worker cs
            res.setdefault(t,[]).append((d[0]/1e6, d[1]/1e6, d[2], d[3], d[4], d[5]))
        continue
    if len(p)==2 and p[0]=="X": cur=p[1]; ex.setdefault(cur,[]).append({}); continue
    if "ERROR" in line: print(line.strip())
    for k in keys:
        m=re.search(re.escape(k)+r": ([0-9.]+)", line)
        if m and cur: ex[cur][-1][k]=float(m.group(1))
if not res: sys.exit("no runs recorded")
base=next(iter(res)); B=res[base]
for t,v in res.items():
    n=min(len(v),len(B))
    rw=[v[i][0]/B[i][0] for i in range(n)]; rc=[v[i][1]/B[i][1] for i in range(n)]; rk=[v[i][4]/max(B[i][4],1e-9) for i in range(n)]
    rt=[(v[i][1]+v[i][4])/(B[i][1]+B[i][4]) for i in range(n)]
    print("%-8s wall %5.0f | be cpu %4.0f | wk cpu %4.0f | tot %4.0f | ratio vs %s: wall %.3f be %.3f wk %.3f tot %.3f (n=%d)" % (t, st.median(x[0] for x in v), st.median(x[1] for x in v), st.median(x[4] for x in v), st.median(x[1]+x[4] for x in v), base, st.median(rw), st.median(rc), st.median(rk), st.median(rt), n))
if detail:
    print("%-8s %6s %6s %6s %6s %6s %6s  (medians; n)" % ("variant","wall","be_cpu","be_vcs","be_nvcs","wk_cpu","wk_cs"))
    for t,v in res.items():
        print("%-8s %6.0f %6.1f %6.0f %6.0f %6.0f %6.0f  n=%d" % (t, *(st.median(x[i] for x in v) for i in range(6)), len(v)))
        print("  raw %s wall: %s" % (t, " ".join("%.0f" % x[0] for x in v)))
        print("  raw %s be_nvcs: %s" % (t, " ".join("%d" % x[3] for x in v)))
    if ex:
        print("EXPLAIN ANALYZE medians: " + " | ".join(keys))
        for t,v in ex.items():
            print("%-8s " % t + " | ".join("%.1f" % st.median(r.get(k,float("nan")) for r in v) for k in keys) + "  n=%d" % len(v))
'
