using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Common subplan elimination: two disjoint subtrees of scans, filters and joins that compute the
/// same rows (the same relations, join kinds, conditions and filters, up to column ids and the
/// attributes each scan reads) become one materialized <see cref="CteDefinition"/> read by two
/// <see cref="LogicalCteScan"/>s, so the relations are scanned and joined once. The usual source is
/// an uncorrelated scalar subquery over the main query's FROM list (TPC-H Q11's HAVING threshold,
/// Q22's average balance). At the top of the pair the filters may differ: the conjuncts both have
/// are computed once in the shared plan, and each side keeps the rest above its CTE scan (the
/// rows of each side are those of its own filter, as before).
/// <para>
/// Sharing is a choice by estimate: the shared rows are materialized (and spill when large), which
/// pays only when they are few against the rows scanned to produce them, so at most
/// <see cref="MaxRowFraction"/> of them and at most <see cref="MaxSharedRows"/> rows; a bare scan is
/// never shared (it would only copy the table). It runs last, after join ordering and pruning, so
/// both sides are already in their final shape and the definition needs no further pass.
/// </para>
/// <para>
/// What keeps it sound: every node of a shared subtree is deterministic (the worker implements no
/// volatile function: a query with one is not offloaded), all scans of one query read one snapshot,
/// and a subtree below a recursive union (re-run per iteration) or holding a constant false gate
/// (OneTimeFilter: PostgreSQL runs nothing beneath it) is never shared. The shared conjuncts are
/// conjuncts each side evaluated on the same input rows, so they are computed on no row that
/// neither side would have seen.
/// </para>
/// </summary>
public sealed class SharedSubplan(QueryCatalog catalog) : IRewriteRule
{
    /// <summary>
    /// The shared rows, estimated, against the rows of the relations scanned to produce them. TPC-H
    /// Q21's late lineitem rows are a third of the table: writing and reading them once more costs far
    /// less than a second scan (the backend serves every page, the worker walks every tuple).
    /// </summary>
    public const double MaxRowFraction = 0.4;

    /// <summary>The most estimated rows a shared subplan may materialize (past the worker's memory budget they spill).</summary>
    public const double MaxSharedRows = 3_000_000;

    /// <summary>How many pairs one query may share (each pass replaces one pair).</summary>
    private const int MaxShares = 8;

    public string Name => "shared_subplan";

    /// <summary>How many pairs the last <see cref="Apply"/> shared.</summary>
    public int SharedCount { get; private set; }

    public LogicalPlan Apply(LogicalPlan plan)
    {
        SharedCount = 0;
        var reachable = CteDefinition.Reachable(plan);
        int nextDefinition = reachable.Count == 0 ? 1 : reachable.Max(d => d.Id) + 1;
        for (int i = 0; i < MaxShares; i++)
        {
            var share = FindBest(plan);
            if (share is null) break;
            var ids = ColumnIdAllocator.After(plan);
            plan = Replace(plan, share, nextDefinition++, ids);
            SharedCount++;
        }
        return plan;
    }

    /// <summary>The candidate roots: scans, filters and joins outside recursive unions, pre-order.</summary>
    private static List<LogicalPlan> Candidates(LogicalPlan plan)
    {
        var found = new List<LogicalPlan>();
        void Visit(LogicalPlan p)
        {
            if (p is LogicalRecursiveUnion) return;
            if (p is LogicalJoin or LogicalFilter && IsShareable(p)) found.Add(p);
            foreach (var c in p.Children) Visit(c);
        }
        Visit(plan);
        return found;
    }

    /// <summary>Only scans, filters and joins, with no constant false gate.</summary>
    private static bool IsShareable(LogicalPlan p) => p switch
    {
        LogicalScan => true,
        LogicalFilter f => !PredicatePushdown.Conjuncts(f.Predicate).Any(c => c is BoundConst { Value: false or null }) && IsShareable(f.Input),
        LogicalJoin j => IsShareable(j.Left) && IsShareable(j.Right),
        _ => false,
    };

    private Share? FindBest(LogicalPlan plan)
    {
        var candidates = Candidates(plan);
        // Matching subtrees read the same relations in the same order (Matching.Match pairs scans
        // left to right; a filter at the top adds no scan), so pairs whose scans differ are skipped
        // before the overlap test and the match.
        var scans = new uint[candidates.Count][];
        for (int i = 0; i < candidates.Count; i++) scans[i] = ScannedRelations(candidates[i]);
        Share? best = null;
        for (int i = 0; i < candidates.Count; i++)
        {
            for (int j = i + 1; j < candidates.Count; j++)
            {
                if (!scans[i].AsSpan().SequenceEqual(scans[j])) continue;
                var a = candidates[i];
                var b = candidates[j];
                if (Overlap(a, b)) continue;
                var share = TryMatch(a, b);
                if (share is null || (best is not null && share.Size <= best.Size)) continue;
                if (!WorthSharing(share.Shared)) continue;
                best = share;
            }
        }
        return best;
    }

    /// <summary>The relation ids of the scans of a shareable subtree (scans, filters, joins), left to right.</summary>
    private static uint[] ScannedRelations(LogicalPlan p)
    {
        var ids = new List<uint>();
        void Visit(LogicalPlan node)
        {
            if (node is LogicalScan scan) ids.Add(scan.Relation.RelId);
            foreach (var c in node.Children) Visit(c);
        }
        Visit(p);
        return [.. ids];
    }

    private static bool Overlap(LogicalPlan a, LogicalPlan b)
    {
        var nodes = new HashSet<LogicalPlan>(ReferenceEqualityComparer.Instance);
        void Add(LogicalPlan p)
        {
            nodes.Add(p);
            foreach (var c in p.Children) Add(c);
        }
        Add(a);
        bool Hit(LogicalPlan p) => nodes.Contains(p) || p.Children.Any(Hit);
        return Hit(b);
    }

    /// <summary>
    /// A match of <paramref name="b"/> against <paramref name="a"/>: below the top exactly, at the top
    /// filters may differ (common conjuncts shared, the rest kept per side).
    /// </summary>
    private static Share? TryMatch(LogicalPlan a, LogicalPlan b)
    {
        var m = new Matching();
        if (m.Match(a, b)) return new Share(a, b, a, b, m, [], [], [], Size(a));
        LogicalPlan coreA = a is LogicalFilter fa ? fa.Input : a;
        LogicalPlan coreB = b is LogicalFilter fb ? fb.Input : b;
        if (ReferenceEquals(coreA, a) && ReferenceEquals(coreB, b)) return null;
        if (coreA is LogicalScan && coreB is LogicalScan && (a is not LogicalFilter || b is not LogicalFilter)) return null;
        m = new Matching();
        if (!m.Match(coreA, coreB)) return null;
        var conjA = a is LogicalFilter f1 ? PredicatePushdown.Conjuncts(f1.Predicate).ToList() : [];
        var conjB = b is LogicalFilter f2 ? PredicatePushdown.Conjuncts(f2.Predicate).ToList() : [];
        var common = new List<BoundExpr>();
        var restB = new List<BoundExpr>();
        var remainingA = new List<BoundExpr>(conjA);
        foreach (var c in conjB)
        {
            var mapped = m.MapExpr(c);
            int k = mapped is null ? -1 : remainingA.FindIndex(x => BoundExprComparer.Instance.Equals(x, mapped));
            if (k >= 0)
            {
                common.Add(remainingA[k]);
                remainingA.RemoveAt(k);
            }
            else
            {
                restB.Add(c);
            }
        }
        // Sharing a bare scan only copies the table: a scan at the top needs a common conjunct.
        if (common.Count == 0 && coreA is LogicalScan) return null;
        return new Share(a, b, coreA, coreB, m, common, remainingA, restB, Size(coreA));
    }

    private static int Size(LogicalPlan p) => 1 + p.Children.Sum(Size);

    /// <summary>The estimated rows of the shared plan against the rows of the relations it scans.</summary>
    private bool WorthSharing(LogicalPlan core)
    {
        if (core is LogicalScan) return false; // never copy a whole table
        double scanned = 0;
        core.TransformUp(p =>
        {
            if (p is LogicalScan s) scanned += Math.Max(s.Relation.Layout.RelTuples, 0);
            return p;
        });
        double rows = new PhysicalPlanner(catalog).Lower(core).EstimatedRows;
        return rows <= MaxSharedRows && rows <= MaxRowFraction * scanned;
    }

    private static LogicalPlan Replace(LogicalPlan plan, Share share, int definitionId, ColumnIdAllocator ids)
    {
        // The definition: side A's core, each scan reading the attributes either side reads, then the common conjuncts.
        var extended = new Dictionary<LogicalScan, LogicalScan>(ReferenceEqualityComparer.Instance);
        var added = new Dictionary<(LogicalScan, int), LogicalColumn>();
        foreach (var (scanA, attnum, columnB) in share.Matching.Extras)
        {
            var column = ids.New(columnB.Name, columnB.Type);
            added[(scanA, attnum)] = column;
            var current = extended.GetValueOrDefault(scanA) ?? scanA;
            extended[scanA] = current with { Columns = [.. current.Columns, new ScanColumn(attnum, column)] };
            share.Matching.Map[columnB.Id] = column;
        }
        var core = extended.Count == 0 ? share.CoreA : share.CoreA.TransformUp(p => p is LogicalScan s && extended.TryGetValue(s, out var e) ? e : p);
        LogicalPlan definitionPlan = share.Common.Count == 0 ? core : new LogicalFilter(core, PredicateSimplification.Conjunction(share.Common));

        // Side A reads the definition under its own ids; side B under its ids, fresh ones for what only A reads.
        var byA = new Dictionary<int, LogicalColumn>();
        foreach (var column in share.CoreB.Output)
            if (share.Matching.Map.TryGetValue(column.Id, out var target)) byA[target.Id] = column;

        // Only the columns some reader uses are materialized (join keys below the top are not).
        if (UsedOutside(plan, share) is { } used)
        {
            var kept = definitionPlan.Output.Where(o => used.Contains(o.Id) || (byA.TryGetValue(o.Id, out var b) && used.Contains(b.Id))).ToList();
            if (kept.Count == 0) kept.Add(definitionPlan.Output[0]);
            if (kept.Count < definitionPlan.Output.Count)
                definitionPlan = new LogicalProject(definitionPlan, [.. kept.Select(c => new NamedExpr(c, new LogicalColumnRef(c)))]);
        }
        var definition = new CteDefinition(definitionId, $"shared_{definitionId}", definitionPlan);
        var outputs = definitionPlan.Output;
        var refA = new LogicalCteScan(definition, outputs);
        var refB = new LogicalCteScan(definition, [.. outputs.Select(o => byA.GetValueOrDefault(o.Id) ?? ids.New(o.Name, o.Type))]);
        LogicalPlan sideA = share.RestA.Count == 0 ? refA : new LogicalFilter(refA, PredicateSimplification.Conjunction(share.RestA));
        LogicalPlan sideB = share.RestB.Count == 0 ? refB : new LogicalFilter(refB, PredicateSimplification.Conjunction(share.RestB));
        return plan.TransformDown(p => ReferenceEquals(p, share.A) ? sideA : ReferenceEquals(p, share.B) ? sideB : p);
    }

    /// <summary>
    /// The column ids read outside the pair (by any expression, or as the query's result), or null
    /// when some node reads its input by position (set operations), where every column counts.
    /// </summary>
    private static HashSet<int>? UsedOutside(LogicalPlan plan, Share share)
    {
        var used = ColumnIds.Of(plan.Output);
        bool positional = false;
        void Visit(LogicalPlan p)
        {
            if (ReferenceEquals(p, share.A) || ReferenceEquals(p, share.B)) return;
            if (p is not (LogicalScan or LogicalFilter or LogicalProject or LogicalAggregate or LogicalJoin or LogicalSort or LogicalLimit or LogicalCteScan)) positional = true;
            foreach (var e in p.Expressions)
                foreach (var c in e.ReferencedColumns()) used.Add(c.Id);
            foreach (var c in p.Children) Visit(c);
        }
        Visit(plan);
        foreach (var e in share.RestA.Concat(share.RestB))
            foreach (var c in e.ReferencedColumns()) used.Add(c.Id);
        return positional ? null : used;
    }

    /// <summary>
    /// Side A (<see cref="A"/>) and side B (<see cref="B"/>) of a pair; <see cref="CoreA"/> is what is
    /// shared (A, or A's filter input), <see cref="Common"/> the conjuncts computed once (A's ids),
    /// <see cref="RestA"/>/<see cref="RestB"/> what each side still filters.
    /// </summary>
    private sealed record Share(
        LogicalPlan A,
        LogicalPlan B,
        LogicalPlan CoreA,
        LogicalPlan CoreB,
        Matching Matching,
        IReadOnlyList<BoundExpr> Common,
        IReadOnlyList<BoundExpr> RestA,
        IReadOnlyList<BoundExpr> RestB,
        int Size)
    {
        /// <summary>What the definition computes, before any scan reads B's extra attributes.</summary>
        public LogicalPlan Shared => Common.Count == 0 ? CoreA : new LogicalFilter(CoreA, PredicateSimplification.Conjunction(Common));
    }

    /// <summary>Structural equality of two subplans up to column ids; B's columns map to A's.</summary>
    private sealed class Matching
    {
        public Dictionary<int, LogicalColumn> Map { get; } = [];

        /// <summary>Attributes that B's scans read and A's do not: (A's scan, attnum, B's column).</summary>
        public List<(LogicalScan Scan, int AttNum, LogicalColumn ColumnB)> Extras { get; } = [];

        public bool Match(LogicalPlan a, LogicalPlan b)
        {
            switch (a, b)
            {
                case (LogicalScan sa, LogicalScan sb):
                    if (sa.Relation.RelId != sb.Relation.RelId) return false;
                    foreach (var cb in sb.Columns)
                    {
                        var ca = sa.Columns.FirstOrDefault(c => c.AttNum == cb.AttNum);
                        if (ca is not null) Map[cb.Column.Id] = ca.Column;
                        else if (!Extras.Any(x => ReferenceEquals(x.Scan, sa) && x.AttNum == cb.AttNum)) Extras.Add((sa, cb.AttNum, cb.Column));
                        else return false; // one attribute read twice by B's scan: keep it simple
                    }
                    return true;
                case (LogicalFilter fa, LogicalFilter fb):
                    return Match(fa.Input, fb.Input) && SameConjuncts(fa.Predicate, fb.Predicate);
                case (LogicalJoin ja, LogicalJoin jb):
                    if (ja.Kind != jb.Kind || (ja.Condition is null) != (jb.Condition is null)) return false;
                    return Match(ja.Left, jb.Left) && Match(ja.Right, jb.Right)
                        && (ja.Condition is null || SameConjuncts(ja.Condition, jb.Condition!));
                default:
                    return false;
            }
        }

        /// <summary>The same conjuncts, in any order, once B's are read under A's ids.</summary>
        private bool SameConjuncts(BoundExpr a, BoundExpr b)
        {
            var left = PredicatePushdown.Conjuncts(a).ToList();
            var right = PredicatePushdown.Conjuncts(b).ToList();
            if (left.Count != right.Count) return false;
            foreach (var c in right)
            {
                var mapped = MapExpr(c);
                int k = mapped is null ? -1 : left.FindIndex(x => BoundExprComparer.Instance.Equals(x, mapped));
                if (k < 0) return false;
                left.RemoveAt(k);
            }
            return true;
        }

        /// <summary>B's expression under A's ids; null when it reads a column A does not produce.</summary>
        public BoundExpr? MapExpr(BoundExpr e)
        {
            bool missing = false;
            var mapped = e.TransformUp(x =>
            {
                if (x is not LogicalColumnRef r) return x;
                if (Map.TryGetValue(r.Column.Id, out var target)) return new LogicalColumnRef(target);
                missing = true;
                return x;
            });
            return missing ? null : mapped;
        }
    }
}
