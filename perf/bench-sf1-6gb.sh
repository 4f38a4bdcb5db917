#!/bin/bash
# The recorded TPC-H SF1 run: the dev cluster (./pgfusion start, tpch_sf1 loaded) with shared_buffers 6GB,
# every public table and index prewarmed after a restart, then `pgfusion-cli bench` (3 timed runs after a
# warm-up, PostgreSQL with jit on and off, pg_fusion), then shared_buffers back to the cluster's setting.
# usage: perf/bench-sf1-6gb.sh [--queries 1,2,...]   (PORT: default 54329; outputs in perf/results/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-54329}
pgbin=/usr/lib/postgresql/15/bin
data=$root/.pgfusion/dev/data
psql() { "$pgbin/psql" -X -h 127.0.0.1 -p "$port" -U postgres "$@"; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
restart() { as_pg "$pgbin/pg_ctl" -D "$data" -m fast -w -t 120 restart >/dev/null; }
psql -qc "ALTER SYSTEM SET shared_buffers = '6GB'"
restart
trap 'psql -qc "ALTER SYSTEM RESET shared_buffers" && restart' EXIT
psql -d tpch_sf1 -qc "CREATE EXTENSION IF NOT EXISTS pg_prewarm; CREATE EXTENSION IF NOT EXISTS pg_fusion"
psql -d tpch_sf1 -Atc "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')" >/dev/null
PGFUSION_ROOT=$root dotnet run --project "$root/src/PgFusion.Cli" -c Release --no-build -- \
  bench --database tpch_sf1 --port "$port" --output "$root/perf/results" --sf 1 --runs 3 "$@"
