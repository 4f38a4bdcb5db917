#!/usr/bin/env python3
"""Paired bench (perf/backend2.md): for each TPC-H query, one psql session, a warm-up per setting,
then ROUNDS rounds of `SET pg_fusion.page_readers = c; SELECT 1; <query>` with the settings' order
reversed every round; prints the medians of the query's `\timing` lines. A setting `none` sets
nothing (for a pg_fusion.so without the GUC).

usage: PGFUSION_PORT=... perf/page-readers-bench.py 01,05,06 3 0,2 [extra SQL]"""
import subprocess, sys, statistics, os, re, time
queries = sys.argv[1].split(',')
rounds = int(sys.argv[2])
configs = sys.argv[3].split(',')   # e.g. "0,2"
extra = sys.argv[4] if len(sys.argv) > 4 else ""
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
res = {}
loads = []
for q in queries:
    sql = open(f'{root}/tests/tpch/queries/q{q}.sql').read().strip().rstrip(';')
    lines = ['SET pg_fusion.enable = on;', extra, '\\o /dev/null']
    # warm-up both
    for c in configs:
        lines += ([] if c == 'none' else [f'SET pg_fusion.page_readers = {c};']) + ['SELECT 1;', sql + ';']
    lines.append('\\timing on')
    order = []
    for r in range(rounds):
        cs = configs if r % 2 == 0 else list(reversed(configs))
        for c in cs:
            lines += ([] if c == 'none' else [f'SET pg_fusion.page_readers = {c};']) + ['SELECT 1;', sql + ';']
            order.append(c)
    script = '\n'.join(lines) + '\n'
    loads.append(os.getloadavg()[0])
    out = subprocess.run(['./pgfusion', 'psql', '-d', 'tpch_sf1'], input=script, capture_output=True, text=True, cwd=root,
                         env=dict(os.environ)).stdout
    times = [float(x) for x in re.findall(r'Time: ([0-9.]+) ms', out)]
    # SET statements are timed too: keep the query times (every second)
    qt = None
    # each round: [SET], SELECT 1, query -> the query is the timing after each SELECT 1's
    nper = [(1 if c == 'none' else 2) + 1 for c in order]
    qt = []
    i = 0
    for n in nper:
        qt.append(times[i + n - 1]); i += n
    assert i == len(times), (len(times), len(order), out[-500:])
    per = {c: [t for t, o in zip(qt, order) if o == c] for c in configs}
    res[q] = per
    loads.append(os.getloadavg()[0])
    med = {c: statistics.median(v) for c, v in per.items()}
    print(f"Q{q}: " + "  ".join(f"readers={c}: median {med[c]:.0f} ms (runs {', '.join(f'{x:.0f}' for x in per[c])})" for c in configs)
          + f"  ratio {med[configs[0]]/med[configs[-1]]:.2f}  load {os.getloadavg()[0]:.1f}", flush=True)
