#!/bin/bash
# The second GC A/B of perf/gc-2026-12-03.md: 3 rounds of restart blocks, variants in turn.
# usage: perf/gc-ab.sh > out.txt; python3 perf/gc-ab-analyze.py out.txt
# Since the worker sets DOTNET_GCgen0size and DOTNET_GCRetainVM itself (only when unset), the
# runtime defaults are asked for explicitly (GCgen0size=0: the runtime chooses).
cd "$(dirname "$0")/.."
for r in 1 2 3; do
  perf/gc-ab-run.sh base "DOTNET_GCgen0size=0 DOTNET_GCRetainVM=0" 256 2048
  perf/gc-ab-run.sh retain "DOTNET_GCgen0size=0 DOTNET_GCRetainVM=1" 256 2048
  perf/gc-ab-run.sh gc "DOTNET_GCgen0size=0x8000000 DOTNET_GCRetainVM=1" 256 2048
  perf/gc-ab-run.sh gcloh "DOTNET_GCgen0size=0x8000000 DOTNET_GCRetainVM=1 DOTNET_GCLOHThreshold=0x1000000" 256 2048
done
/usr/lib/postgresql/15/bin/psql -X -h 127.0.0.1 -p 54329 -U postgres -d postgres -Atq -c "alter system reset pg_fusion.session_pages" -c "alter system reset pg_fusion.pool_pages" -c "alter system reset shared_buffers"
