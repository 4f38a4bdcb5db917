#!/bin/bash
# usage: PORT=551xx perf/perf18-ab.sh Q ROUNDS "a:set ...;" "b:set ...;" ...
# Interleaved A/B in one psql session (one warm-up per variant, then ROUNDS rounds a, b, a, b ...).
# Per run: wall ms (client), backend CPU ms (/proc/<backend>/schedstat), backend voluntary and
# nonvoluntary context switches (/proc/<backend>/status), worker CPU ms (utime+stime of the worker
# process, 10 ms ticks), worker context switches (voluntary + nonvoluntary, summed over the
# worker's live threads: the session threads; partition threads that exited are not counted).
# Then (EXPLAIN=1, default) one EXPLAIN ANALYZE per variant per round, interleaved: Backend Send
# Time, Wait Time, Waits, Worker Wakes, Execution Time. Prints medians per variant.
q=$1; rounds=$2; shift 2
PORT=${PORT:-54329}
EXPLAIN=${EXPLAIN:-1}
qdir=$(cd "$(dirname "$0")/../tests/tpch/queries" && pwd)
f=$(ls $qdir | grep -i "^q0*${q}\.sql$" | head -1)
sql=$qdir/$f
wpid=$(/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p $PORT -U postgres -d tpch_sf1 -Atc "select pid from pg_fusion_worker_status()")
mkdir -p /tmp/perf18
out=/tmp/perf18/ab-q$q-$$.sql
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
  if [ "$EXPLAIN" = 1 ]; then
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
/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p $PORT -U postgres -d tpch_sf1 -f $out 2>&1 | python3 -c '
import sys, re, statistics as st
b=None; res={}; ex={}; cur=None
keys=["Backend Send Time","Backend Wait Time","Backend Waits","Backend Worker Wakes","Page Messages","Execution Time"]
for line in sys.stdin:
    p=line.split()
    if len(p)==9 and p[0] in ("B","E"):
        t=p[1]; v=[int(x) for x in p[2:]]
        if p[0]=="B": b=v
        else:
            d=[a-c for a,c in zip(v,b)]
            res.setdefault(t,[]).append((d[0]/1e6, d[1]/1e6, d[2], d[3], d[4], d[5]))
        continue
    if len(p)==2 and p[0]=="X": cur=p[1]; ex.setdefault(cur,[]).append({}); continue
    if "ERROR" in line: print(line.strip())
    for k in keys:
        m=re.search(re.escape(k)+r": ([0-9.]+)", line)
        if m and cur: ex[cur][-1][k]=float(m.group(1))
print("%-8s %6s %6s %6s %6s %6s %6s  (medians; n)" % ("variant","wall","be_cpu","be_vcs","be_nvcs","wk_cpu","wk_cs"))
for t,v in res.items():
    print("%-8s %6.0f %6.1f %6.0f %6.0f %6.0f %6.0f  n=%d" % (t, st.median(x[0] for x in v), st.median(x[1] for x in v), st.median(x[2] for x in v), st.median(x[3] for x in v), st.median(x[4] for x in v), st.median(x[5] for x in v), len(v)))
for t,v in res.items():
    print("  raw %s wall: %s" % (t, " ".join("%.0f" % x[0] for x in v)))
    print("  raw %s be_nvcs: %s" % (t, " ".join("%d" % x[3] for x in v)))
if ex:
    print("EXPLAIN ANALYZE medians: " + " | ".join(keys))
    for t,v in ex.items():
        print("%-8s " % t + " | ".join("%.1f" % st.median(r.get(k,float("nan")) for r in v) for k in keys) + "  n=%d" % len(v))
'
