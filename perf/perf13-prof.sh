#!/bin/bash
# (helper perf13: the worker of the cluster on port 55106; needs DOTNET_PerfMapEnabled=1 in the postmaster environment)
# usage: prof.sh Q RUNS -> perf data of the worker over RUNS runs of Q (pg_fusion on), after one untraced run
q=$1; n=$2
w=$(/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p 55106 -U postgres -d tpch_sf1 -Atc "select pid from pg_fusion_worker_status()")
sql=$(sed 's/;\s*$//' /work/wt/perf13/tests/tpch/queries/q$(printf %02d $q).sql)
{ echo "set pg_fusion.enable=on;"; echo "\\o /dev/null"; echo "$sql;"; echo "\\! touch /tmp/perf13/go; sleep 3"; for i in $(seq $n); do echo "$sql;"; done; } > /tmp/perf13/prof-q$q.sql
rm -f /tmp/perf13/go
/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p 55106 -U postgres -d tpch_sf1 -f /tmp/perf13/prof-q$q.sql &
p=$!
while [ ! -f /tmp/perf13/go ]; do sleep 0.05; done
perf record -e cpu-clock -F 999 -g -p $w -o /tmp/perf13/q$q.data 2>/dev/null &
r=$!
wait $p
kill -INT $r; wait $r 2>/dev/null
perf report -i /tmp/perf13/q$q.data --no-children --sort comm --stdio -g none 2>/dev/null | grep "%" | head -6
