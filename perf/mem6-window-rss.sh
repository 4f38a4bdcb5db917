#!/usr/bin/env bash
# mem6: one run of the 5M-row window query (perf/window7's) under pg_fusion.work_mem = $2 on the
# cluster of $PGFUSION_PORT whose worker/extension come from build $1 (a folder with worker/ and
# lib/, or "after" = this worktree's build). Restarts the cluster (fresh worker), samples the
# worker's RssAnon every 0.2 s while the query runs, prints: label budget peak_anon_kB wall_s result.
set -euo pipefail
build=$1 budget=$2 ; root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/.pgfusion/dev/data
if [ "$build" = after ]; then wd=$root/artifacts/worker; ld=$root/native/pg_hooks; else wd=$build/worker; ld=$build/lib; fi
sed -i -e "s|^pg_fusion.worker_dir = .*|pg_fusion.worker_dir = '$wd'|" -e "s|^dynamic_library_path = .*|dynamic_library_path = '$ld:\$libdir'|" "$data/pgfusion.conf"
# WORKER_ENV: environment for the postmaster (so the worker), e.g. "DOTNET_GCgen0size=0x400000"
env ${WORKER_ENV:-} runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$data" -m fast -w restart >/dev/null
sleep 2
psql() { runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -h 127.0.0.1 -p "$PGFUSION_PORT" -d postgres -XAtq "$@"; }
psql -c "select 1" >/dev/null
pid=$(pgrep -f "pg_fusion worker" -P "$(head -1 "$data/postmaster.pid")" | head -1)
q="SELECT count(*), sum(s), max(c), min(mn), max(mx), max(r), max(payload)
FROM (SELECT payload, sum(x) OVER w s, count(*) OVER w c, min(x) OVER w mn, max(x) OVER w mx,
             row_number() OVER w r
      FROM bigw WINDOW w AS (ORDER BY y, id ROWS BETWEEN 100 PRECEDING AND CURRENT ROW)) q"
q=${Q:-$q}  # Q: another query to measure the same way
peakf=$(mktemp); echo 0 >"$peakf"
( p=0; while kill -0 "$pid" 2>/dev/null; do v=$(awk '/RssAnon/{print $2}' /proc/$pid/status); [ "$v" -gt "$p" ] && { p=$v; echo $p >"$peakf"; }; sleep 0.2; done ) &
sampler=$!
t0=$(date +%s.%N)
res=$(psql -c "set pg_fusion.enable = on" -c "set work_mem = '$budget'" -c "set pg_fusion.work_mem = '$budget'" -c "$q" | tr '\n' ' ')
t1=$(date +%s.%N)
hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status 2>/dev/null || echo "?") # the fresh worker's peak resident set (kB)
kill $sampler 2>/dev/null || true; wait $sampler 2>/dev/null || true
expl=""
# EXPLAIN=1: a second run, after the sampling, for the worker's tracked peaks
if [ "${EXPLAIN:-0}" = 1 ]; then expl=$(psql -c "set pg_fusion.enable = on" -c "set work_mem = '$budget'" -c "set pg_fusion.work_mem = '$budget'" -c "explain (analyze, costs off, timing off) $q" 2>/dev/null | grep -E "Worker Memory|Memory:|Spilled" | tr '\n' ';' || true); fi
echo "$(basename "$build") $budget peak_anon_kB=$(cat "$peakf") vmhwm_kB=$hwm wall_s=$(echo "$t1 - $t0" | bc) result=[$res] explain=[$expl]"
rm -f "$peakf"
