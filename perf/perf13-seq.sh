#!/bin/bash
# (helper perf13: cluster on port 55106 in /work/wt/perf13)
# usage: seq.sh LABEL "ENV..." Q... : restart the cluster with ENV, prewarm, then per query the bench's order:
# EXPLAIN, warm-up, 3 x (0.3 s sleep where the bench runs PostgreSQL, pg_fusion timed); ENV "keep": no restart (steady state). Prints per query the timed wall ms and worker CPU ms.
label=$1; envs=$2; shift 2
D=/work/wt/perf13/.pgfusion/dev/data
P="/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p 55106 -U postgres -d tpch_sf1"
[ "$envs" = keep ] || env $envs DOTNET_PerfMapEnabled=1 runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D $D -m fast -w restart -l /work/wt/perf13/.pgfusion/dev/restart.log >/dev/null
[ "$envs" = keep ] || sleep 1
$P -Atc "select sum(pg_prewarm(c.oid)) from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname='public' and c.relkind in ('r','i')" >/dev/null
wpid=$($P -Atc "select pid from pg_fusion_worker_status()")
out=/tmp/perf13/seq-$label-$$.sql
{
  echo "set jit=off;"
  echo "\\o /dev/null"
  for q in "$@"; do
    sql=$(sed 's/;\s*$//' /work/wt/perf13/tests/tpch/queries/q$(printf %02d $q).sql)
    echo "set pg_fusion.enable=on;"; echo "EXPLAIN (COSTS OFF) $sql;"; echo "$sql;"
    for r in 1 2 3; do
      echo "select pg_sleep(0.3);"
      echo "\\! echo B $q \$(date +%s%N) \$(awk '{printf \"%.0f\\n\", (\$14+\$15)*10}' /proc/$wpid/stat)"
      echo "$sql;"
      echo "\\! echo E $q \$(date +%s%N) \$(awk '{printf \"%.0f\\n\", (\$14+\$15)*10}' /proc/$wpid/stat)"
    done
  done
} > $out
$P -f $out 2>&1 | python3 -c '
import sys, statistics as st
lab=sys.argv[1]; b=None; res={}
for line in sys.stdin:
    p=line.split()
    if len(p)==4 and p[0] in ("B","E"):
        q,ns,wc=p[1],int(p[2]),int(p[3])
        if p[0]=="B": b=(ns,wc)
        else: res.setdefault(q,[]).append(((ns-b[0])/1e6,wc-b[1]))
    elif "ERROR" in line: print(line.strip())
print(lab, "geo wall %.1f cpu %.1f |" % (st.geometric_mean([st.median(x[0] for x in v) for v in res.values()]), st.geometric_mean([max(st.median(x[1] for x in v),5) for v in res.values()])), " ".join("Q%s %.0f/%.0f" % (q, st.median(x[0] for x in v), st.median(x[1] for x in v)) for q,v in res.items()))
' $label
