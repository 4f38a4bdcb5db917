#!/usr/bin/env python3
"""Join cardinality q-error of pg_fusion's planner beside PostgreSQL's, per join of the TPC-H queries.

For every query in tests/tpch/queries this runs
  - EXPLAIN (ANALYZE, FORMAT JSON) with pg_fusion.enable = off (and parallel workers off, so every
    node's rows are totals): PostgreSQL's estimate and the actual rows of each join node;
  - EXPLAIN (FORMAT JSON) with pg_fusion.enable = on: the worker's plan text, whose join lines
    ("HashJoin <kind>: ...", "Index Probe Join <kind> ...") carry our estimate as "(rows=N)".
pg_fusion's executor does not count rows per operator, so a join of ours gets its actual row count
from PostgreSQL's join over the same input: the same multiset of base relations below it and the
same kind of join on top (inner, outer, semi, anti). Joins of ours without such a PostgreSQL join
(another join order, or a subquery PostgreSQL runs as a SubPlan) are listed as unmatched and left
out of the figures; PostgreSQL joins run more than once (the inner side of a nested loop, a SubPlan)
are not used. q-error = max(est/actual, actual/est), both counted as at least 1 row.

Usage: perf/qerror.py --port 55107 --database tpch_sf01 [--output perf/qerror.md]
Needs psql on PATH and the TPC-H data loaded (pgfusion-cli tpch-load --sf 0.1 --database tpch_sf01).
"""
import argparse
import collections
import datetime
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def psql(args, sql, settings):
    script = "".join(f"SET {k} = {v};\n" for k, v in settings.items()) + sql
    out = subprocess.run(
        ["psql", "-h", args.host, "-p", str(args.port), "-U", args.user, "-d", args.database, "-AtqX", "-v", "ON_ERROR_STOP=1"],
        input=script, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return out.stdout


def kind_of(pg_join_type):
    return {"Inner": "inner", "Left": "outer", "Right": "outer", "Full": "outer", "Semi": "semi", "Anti": "anti",
            "Right Semi": "semi", "Right Anti": "anti"}.get(pg_join_type, pg_join_type.lower())


def pg_joins(plan):
    """(relation multiset, kind, estimate, actual, loops) of every join node, and the node's relations."""
    joins = []

    def walk(node):
        rels = collections.Counter()
        if "Relation Name" in node:
            rels[node["Relation Name"]] += 1
        has_subplan = False
        for child in node.get("Plans", []):
            child_rels = walk(child)
            if child.get("Parent Relationship") not in ("SubPlan", "InitPlan"):
                rels += child_rels
            else:
                has_subplan = True
        if node["Node Type"] == "Aggregate":
            rels = grouped(rels)
        # A join whose filter runs a SubPlan filters by it: not the same rows as a join without it.
        if node["Node Type"] in ("Hash Join", "Merge Join", "Nested Loop") and not has_subplan:
            joins.append((frozenset(rels.items()), kind_of(node.get("Join Type", "Inner")),
                          node["Plan Rows"], node["Actual Rows"], node["Actual Loops"]))
        return rels

    walk(plan)
    return joins


def grouped(rels):
    """Relations below an aggregate (a grouped subquery): named apart, as their rows are groups."""
    return collections.Counter({(name if name.startswith("γ(") else f"γ({name})"): n for name, n in rels.items()})


JOIN_LINE = re.compile(r"^(HashJoin (\w+)|Index Probe Join (\w+))")
SCAN_LINE = re.compile(r"^(?:Scan|Index Probe) #\d+ on (\S+)")
ROWS = re.compile(r"\(rows=(\d+)\)\s*$")


def our_kind(kind):
    return {"Inner": "inner", "ProbeOuter": "outer", "BuildOuter": "outer", "Full": "outer", "Semi": "semi",
            "BuildSemi": "semi", "Anti": "anti", "BuildAnti": "anti", "NullAwareAnti": "anti"}.get(kind, kind.lower())


def our_joins(text):
    """Parses the worker's plan text (two spaces of indent per level, "-> " before a child)."""
    nodes = []
    for line in text.splitlines():
        stripped = line.lstrip()
        depth = (len(line) - len(stripped)) // 2
        stripped = stripped[3:] if stripped.startswith("-> ") else stripped
        nodes.append((depth, stripped))
    joins = []

    def subtree(i):
        depth = nodes[i][0]
        rels = collections.Counter()
        aggregates = []  # depths of the aggregates above the current line, inside the subtree
        j = i
        while j < len(nodes) and (j == i or nodes[j][0] > depth):
            d, line = nodes[j]
            while aggregates and aggregates[-1] >= d:
                aggregates.pop()
            if j > i and line.startswith("HashAggregate"):
                aggregates.append(d)
            m = SCAN_LINE.match(line)
            if m:
                name = m.group(1)
                rels[f"γ({name})" if aggregates else name] += 1
            j += 1
        return rels

    for i, (_, text_line) in enumerate(nodes):
        m = JOIN_LINE.match(text_line)
        if not m:
            continue
        rows = ROWS.search(text_line)
        joins.append((frozenset(subtree(i).items()), our_kind(m.group(2) or m.group(3)), float(rows.group(1)) if rows else None))
    return joins


def qerror(est, actual):
    est, actual = max(est, 1.0), max(actual, 1.0)
    return max(est / actual, actual / est)


def label(rels):
    return " ⋈ ".join(f"{name}×{n}" if n > 1 else name for name, n in sorted(rels))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=int(os.environ.get("PGFUSION_PORT", "5432")))
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--database", default="tpch_sf01")
    ap.add_argument("--queries", default=os.path.join(ROOT, "tests", "tpch", "queries"))
    ap.add_argument("--output", default=os.path.join(ROOT, "perf", "qerror.md"))
    args = ap.parse_args()

    rows = []
    unmatched = []
    pg_all = []
    for name in sorted(f for f in os.listdir(args.queries) if f.endswith(".sql")):
        sql = open(os.path.join(args.queries, name), encoding="utf-8").read().strip().rstrip(";")
        q = name[:-4].upper()
        off = json.loads(psql(args, f"EXPLAIN (ANALYZE, FORMAT JSON) {sql};", {"pg_fusion.enable": "off", "max_parallel_workers_per_gather": "0"}))
        on = json.loads(psql(args, f"EXPLAIN (FORMAT JSON) {sql};", {"pg_fusion.enable": "on", "pg_fusion.on_unsupported": "error"}))
        theirs = [j for j in pg_joins(off[0]["Plan"]) if j[4] == 1]
        pg_all += [qerror(est, act) for (_, _, est, act, _) in theirs]
        by_key = collections.defaultdict(list)
        for j in theirs:
            by_key[(j[0], j[1])].append(j)
        for rels, kind, est in our_joins(on[0]["Plan"]["PgFusion Plan"]):
            match = by_key.get((rels, kind), [])
            # The same join twice (Q11's in HAVING's subquery, run once as an InitPlan) counts once per copy.
            if len({m[3] for m in match}) == 1:
                match = match[:1]
            if len(match) != 1 or est is None:
                unmatched.append((q, rels, kind, est, "no PostgreSQL join over these relations" if not match else "several PostgreSQL joins over these relations"))
                continue
            _, _, pg_est, actual, _ = match[0]
            rows.append((q, rels, kind, actual, est, qerror(est, actual), pg_est, qerror(pg_est, actual)))
        print(f"{q}: {sum(1 for r in rows if r[0] == q)} joins matched", file=sys.stderr)

    ours = [r[5] for r in rows]
    pgs = [r[7] for r in rows]
    load = os.getloadavg()[0]
    with open(args.output, "w", encoding="utf-8") as out:
        out.write("# Join cardinality q-error, TPC-H SF 0.1\n\n")
        out.write(f"Produced by `perf/qerror.py --database {args.database}` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC "
                  f"({os.cpu_count()} cores, load average {load:.1f}; estimates do not depend on load).\n\n")
        out.write("q-error = max(est/actual, actual/est), rows counted as at least 1. Actual rows come from PostgreSQL's "
                  "EXPLAIN ANALYZE (pg_fusion off, no parallel workers) for the join over the same base relations with the same "
                  "kind of join; our estimate is the worker plan's `(rows=N)` (pg_fusion on); PostgreSQL's is its `Plan Rows` "
                  "for that join.\n\n")
        out.write("## Summary\n\n| | joins | median q-error | 90th pct | max q-error |\n|---|---:|---:|---:|---:|\n")

        def summary(name, values):
            if not values:
                return f"| {name} | 0 | | | |\n"
            values = sorted(values)
            p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
            return f"| {name} | {len(values)} | {statistics.median(values):.2f} | {p90:.2f} | {max(values):.2f} |\n"

        out.write(summary("pg_fusion (joins matched to a PostgreSQL join)", ours))
        out.write(summary("PostgreSQL, the same joins", pgs))
        out.write(summary("PostgreSQL, all of its joins run once", pg_all))
        out.write(f"\nUnmatched joins of ours (no single PostgreSQL join over the same relations and kind; not in the figures): {len(unmatched)}.\n\n")
        out.write("## Per join\n\n| query | join (base relations) | kind | actual | pg_fusion est | q-error | PostgreSQL est | q-error |\n"
                  "|---|---|---|---:|---:|---:|---:|---:|\n")
        for q, rels, kind, actual, est, qe, pg_est, pq in rows:
            out.write(f"| {q} | {label(rels)} | {kind} | {actual:.0f} | {est:.0f} | {qe:.2f} | {pg_est:.0f} | {pq:.2f} |\n")
        if unmatched:
            out.write("\n## Unmatched joins of ours\n\n| query | join (base relations) | kind | pg_fusion est | why |\n|---|---|---|---:|---|\n")
            for q, rels, kind, est, why in unmatched:
                out.write(f"| {q} | {label(rels)} | {kind} | {est if est is None else f'{est:.0f}'} | {why} |\n")
    print(f"wrote {args.output}: {len(rows)} joins matched, {len(unmatched)} unmatched", file=sys.stderr)


if __name__ == "__main__":
    main()
