using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Planner.Physical;

// Index-probe joins: a hash join whose build side is a base relation with a btree index on the join key.
public sealed partial class PhysicalPlanner
{
    private readonly Dictionary<int, RelationInfo> _scanRelations = [];

    /// <summary>Whether index-probe joins may be chosen (PlannerOptions.IndexProbeJoins).</summary>
    public bool IndexProbeJoins { get; init; } = true;

    /// <summary>Measurements only: every candidate is probed whatever its cost (PlannerOptions.ForceIndexProbes).</summary>
    public bool ForceIndexProbes { get; init; }

    /// <summary>
    /// The hash join, or an index-probe join when its inner side (the build input; for an inner
    /// join either input; for a semi join either input, the kept one as a build-semi join) is a base
    /// relation under filters, projections, groupings by the join key and joins with a btree index whose
    /// leading column is an integer join key, and probing the estimated outer keys costs well
    /// below a sequential scan of the inner relation.
    /// </summary>
    private PhysicalPlan ConsiderIndexProbe(PhysicalHashJoin join)
    {
        if (!IndexProbeJoins || _insideRecursion || join.ProbeKeys.Count == 0) return join;
        // A semi/anti join that would build its (small) kept side may instead probe the other side's
        // index with the kept side's keys: the same join with the usual sides, through the index.
        if (join.Kind is HashJoinKind.BuildSemi or HashJoinKind.BuildAnti)
            return (PhysicalPlan?)TryIndexProbe(join.SidesSwapped(join.Kind == HashJoinKind.BuildSemi ? HashJoinKind.Semi : HashJoinKind.Anti, buildIsLeft: false)) ?? join;
        // Likewise an outer join that would build its (small) preserved side: the preserved side's
        // keys probe the other side's index (a left join to a decorrelated scalar subquery).
        if (join.Kind == HashJoinKind.BuildOuter)
            return (PhysicalPlan?)TryIndexProbe(join.SidesSwapped(HashJoinKind.ProbeOuter, !join.BuildIsLeft)) ?? join;
        if (join.Kind is not (HashJoinKind.Inner or HashJoinKind.Semi or HashJoinKind.Anti or HashJoinKind.ProbeOuter))
            return join;
        var best = TryIndexProbe(join);
        // The kept side may instead be read through its index with the other side's keys: a
        // semi join that builds the kept side (each kept row with a match, once). Its rows whose
        // key is not among the probed keys could not match, so probing loses none (an anti join
        // keeps exactly those, so it never takes this path).
        if (join.Kind == HashJoinKind.Semi)
            best = Cheaper(best, TryIndexProbe(join.SidesSwapped(HashJoinKind.BuildSemi, buildIsLeft: true)));
        if (join.Kind == HashJoinKind.Inner)
            best = Cheaper(best, TryIndexProbe(join.SidesSwapped(HashJoinKind.Inner, !join.BuildIsLeft)));
        return (PhysicalPlan?)best ?? join;
    }

    private static PhysicalIndexProbeJoin? Cheaper(PhysicalIndexProbeJoin? a, PhysicalIndexProbeJoin? b) =>
        a is null ? b
        : b is null ? a
        : b.ProbeCost(b.Join.Probe.EstimatedRows) < a.ProbeCost(a.Join.Probe.EstimatedRows) ? b : a;

    private PhysicalIndexProbeJoin? TryIndexProbe(PhysicalHashJoin join)
    {
        PhysicalIndexProbeJoin? best = null;
        for (int i = 0; i < join.BuildKeys.Count; i++)
        {
            if (!IsInteger(join.ProbeKeys[i].Type) || !IsInteger(join.BuildKeys[i].Type)) continue;
            if (StripWidening(join.BuildKeys[i]) is not BoundColumnRef key) continue;
            if (TraceToScan(join.Build, key.Index) is not (var scan, var attnum)) continue;
            if (!_scanRelations.TryGetValue(scan.ScanId, out var relation)) continue;
            if (!IsInteger(scan.Relation.Attribute(attnum).Type)) continue;
            foreach (var index in relation.Indexes)
            {
                if (index.Keys.Count == 0 || index.Keys[0] != attnum) continue;
                double tuples = Math.Max(scan.Relation.RelTuples, 1);
                double rowsPerKey = index.Unique && index.Keys.Count == 1 ? 1 : RowsPerKey(relation, attnum, tuples, join.Probe, join.ProbeKeys[i]);
                double pages = Math.Max(scan.Relation.RelPages, 1);
                double fullScan = pages * PhysicalIndexProbeJoin.PageCost + GroupedRows(join.Build, key.Index) * PhysicalIndexProbeJoin.GroupRowCost;
                double correlation = relation.StatisticsOf(attnum)?.Correlation is { } c && double.IsFinite(c) ? c : 0;
                if (index.Keys.Count > 1) correlation *= 0.75;
                // a first-match probe fetches about one row a key: its conditions are part of the cost
                var candidate = new PhysicalIndexProbeJoin(join, scan, index, i, rowsPerKey, fullScan, correlation, tuples / pages)
                {
                    FirstMatch = FirstMatchConditions(join, scan),
                    Forced = ForceIndexProbes,
                };
                if (candidate.FirstMatch is null) candidate = candidate with { ProbeFilter = FilterConditions(join.Build, scan) };
                else if (candidate.FirstMatch.Count == 0 && scan.AttNums.All(a => a == attnum))
                    candidate = candidate with { IndexOnly = true, AllVisibleFraction = Math.Clamp(relation.RelAllVisible / pages, 0, 1) };
                double keys = Math.Max(1, DistinctKeys(join.Probe, join.ProbeKeys[i]));
                if (!candidate.PrefersProbe(keys)) continue;
                candidate = candidate with { EstimatedKeys = keys };
                // fewer rows per key first (a unique index, then the narrower index)
                if (best is null || candidate.RowsPerKey < best.RowsPerKey
                    || (candidate.RowsPerKey == best.RowsPerKey && index.Keys.Count < best.Index.Keys.Count))
                    best = candidate;
            }
        }
        return best;
    }

    /// <summary>
    /// The inner rows an index probe fetches per outer key, on average: the inner relation's rows
    /// over the distinct values of the join's key domain, which is the larger of the inner column's
    /// and the outer key column's distinct values at its base relation (pg_statistic), as
    /// PostgreSQL's eqjoinsel divides by max(nd1, nd2): the keys of the smaller domain are taken to
    /// be among the larger one's, so an outer key matches inner_rows / max(nd1, nd2) rows (a key
    /// without a match fetches none). This is the join's own row estimate per outer row.
    /// The inner n_distinct alone is often far too low for a clustered column: ANALYZE samples
    /// whole blocks, so TPC-H's l_orderkey (4 rows a key, stored in key order) shows each sampled
    /// key with its neighbours, the estimator sees many repeats and stores a positive n_distinct of
    /// about 376K (below 10% of the rows, so kept as a count, not scaled as a fraction) for 1.5M
    /// real keys: 16 rows a key instead of 4. The outer o_orderkey is unique (n_distinct -1 of 1.5M
    /// orders), and max(376K, 1.5M) gives the true 4. 10 rows a key when neither side is known.
    /// </summary>
    private double RowsPerKey(RelationInfo relation, int attnum, double tuples, PhysicalPlan outer, BoundExpr outerKey)
    {
        double? inner = relation.StatisticsOf(attnum)?.DistinctValues(tuples);
        double? domain = StripWidening(outerKey) is BoundColumnRef c && TraceToScan(outer, c.Index, throughProbes: true) is (var s, var a)
            && _scanRelations.TryGetValue(s.ScanId, out var outerRelation)
            ? outerRelation.StatisticsOf(a)?.DistinctValues(Math.Max(s.Relation.RelTuples, 1))
            : null;
        double distinct = Math.Max(inner ?? 0, domain ?? 0);
        if (inner is null || distinct <= 0) return 10;
        return Math.Max(1, tuples / Math.Min(distinct, tuples));
    }

    /// <summary>
    /// The inner filter of a semi or anti join as conditions the backend can evaluate, when a key's
    /// first inner row that passes them decides the outer rows with that key: one join key (the
    /// probed one), no residual over the pair, and between the join and the scan only filters whose
    /// every conjunct compares plain scan columns (or a column with a constant) and plain
    /// projections. Null otherwise (and the backend returns every match).
    /// </summary>
    private static IReadOnlyList<ProbeCondition>? FirstMatchConditions(PhysicalHashJoin join, PhysicalScan scan)
    {
        if (join.Kind is not (HashJoinKind.Semi or HashJoinKind.Anti) || join.Residual is not null || join.ProbeKeys.Count != 1)
            return null;
        var conditions = new List<ProbeCondition>();
        for (var plan = join.Build; !ReferenceEquals(plan, scan);)
        {
            switch (plan)
            {
                case PhysicalFilter filter:
                    foreach (var conjunct in Conjuncts(filter.Predicate))
                    {
                        if (ToProbeCondition(conjunct, filter.Input, scan) is not { } condition) return null;
                        conditions.Add(condition);
                    }
                    plan = filter.Input;
                    break;
                case PhysicalProject project:
                    plan = project.Input;
                    break;
                default:
                    return null;
            }
        }
        return conditions;
    }

    /// <summary>
    /// The leading conjuncts of the filter right above <paramref name="scan"/> (somewhere under
    /// <paramref name="build"/>) that the backend can evaluate, up to the first it cannot; null when
    /// there is none. Every condition is a leakproof comparison, so none raises, and they come first
    /// in PostgreSQL's qual order: a row one of them rejects is a row PostgreSQL rejected before
    /// evaluating anything else of the filter, whatever lies above it.
    /// </summary>
    private static IReadOnlyList<ProbeCondition>? FilterConditions(PhysicalPlan build, PhysicalScan scan)
    {
        if (FilterOver(build, scan) is not { } filter) return null;
        var conditions = new List<ProbeCondition>();
        foreach (var conjunct in Conjuncts(filter.Predicate))
        {
            if (ToProbeCondition(conjunct, scan, scan) is not { } condition) break;
            conditions.Add(condition);
        }
        return conditions.Count == 0 ? null : conditions;
    }

    /// <summary>The filter whose input is <paramref name="scan"/> in <paramref name="plan"/>, or null.</summary>
    private static PhysicalFilter? FilterOver(PhysicalPlan plan, PhysicalScan scan) =>
        plan is PhysicalFilter f && ReferenceEquals(f.Input, scan) ? f : plan.Children.Select(c => FilterOver(c, scan)).FirstOrDefault(f => f is not null);

    private static IEnumerable<BoundExpr> Conjuncts(BoundExpr e) =>
        e is BoundBoolExpr { Op: BoolOp.And } and ? and.Args.SelectMany(Conjuncts) : [e];

    private static ProbeCondition? ToProbeCondition(BoundExpr conjunct, PhysicalPlan input, PhysicalScan scan)
    {
        if (conjunct is not BoundFuncCall { Args: [BoundColumnRef left, var right] } call || call.Type.Oid != PgTypeOid.Bool) return null;
        if (DateComparisonAtMidnight(call) is { } dateCall) (call, right) = (dateCall, dateCall.Args[1]);
        int? AttNum(BoundColumnRef c) =>
            ProbeCondition.IsSupportedType(c.Type.Oid) && TraceToScan(input, c.Index) is (var s, var a)
            && ReferenceEquals(s, scan) && scan.Relation.Attribute(a).Type.Oid == c.Type.Oid ? a : null;
        if (ProbeCondition.IsTextEquality(call.FuncOid))
            return right is BoundConst tk && TraceToScan(input, left.Index) is (var ts, var ta) && ReferenceEquals(ts, scan)
                && scan.Relation.Attribute(ta).Type.Oid == left.Type.Oid
                ? ProbeCondition.TextEquality(call.FuncOid, ta, left.Type.Oid, tk.Type.Oid, tk.Value)
                : null;
        if (AttNum(left) is not { } l) return null;
        return right switch
        {
            BoundColumnRef r when AttNum(r) is { } ra => new ProbeCondition(call.FuncOid, l, ra, 0, 0),
            BoundConst k when ProbeCondition.IsSupportedType(k.Type.Oid) && ProbeCondition.ConstantBits(k.Value, k.Type.Oid) is { } bits =>
                new ProbeCondition(call.FuncOid, l, 0, k.Type.Oid, bits),
            _ => null,
        };
    }

    /// <summary>date_lt_timestamp and its kin (2338-2343), which pg_proc does not mark leakproof.</summary>
    private const uint DateLtTimestamp = 2338;

    /// <summary>date_lt, date_le, date_eq, date_gt, date_ge, date_ne in the order of 2338-2343's operators (all leakproof).</summary>
    private static readonly uint[] DateComparisons = [1087, 1088, 1086, 1089, 1090, 1091];

    /// <summary>
    /// <c>date_col op timestamp 'D 00:00'</c> (what <c>l_shipdate &lt; date '1995-01-01' + interval '1' year</c>
    /// is once the constant folds) as the same comparison of the date with day D, a leakproof
    /// function the backend accepts as a probe condition; null for any other call, a timestamp off
    /// midnight, or one outside the timestamp range. Equal answers: a date and a timestamp compare as
    /// the date's midnight, and a date past the timestamp range compares above every finite
    /// timestamp, as it does above every in-range day.
    /// </summary>
    private static BoundFuncCall? DateComparisonAtMidnight(BoundFuncCall call)
    {
        if (call.FuncOid is < DateLtTimestamp or > DateLtTimestamp + 5 || call.Args is not [{ Type.Oid: PgTypeOid.Date } column, BoundConst { Value: long ts, Type.Oid: PgTypeOid.Timestamp }])
            return null;
        const long MinTimestamp = -211_813_488_000_000_000L, EndTimestamp = 9_223_371_331_200_000_000L;
        if (ts is < MinTimestamp or >= EndTimestamp || ts % PgEpoch.MicrosPerDay != 0) return null;
        long day = ts / PgEpoch.MicrosPerDay;
        return new BoundFuncCall(DateComparisons[call.FuncOid - DateLtTimestamp], "date_cmp", [column, new BoundConst(checked((int)day), PgType.Date)], PgType.Bool);
    }

    private static bool IsInteger(PgType type) => type.Oid is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8;

    private static BoundExpr StripWidening(BoundExpr e) => e switch
    {
        BoundRelabel r => StripWidening(r.Arg),
        BoundFuncCall { FuncOid: Int4ToInt8 or Int2ToInt8, Args: [var a] } => StripWidening(a),
        _ => e,
    };

    /// <summary>
    /// An upper bound of the distinct values of <paramref name="key"/> over the rows of
    /// <paramref name="plan"/> (the keys a probe sends): the rows, and through filters, plain
    /// projections and joins, the column's distinct values at its scan (pg_statistic), and where
    /// it is a key of an inner or semi join, the distinct values of the other side's key (every
    /// joined key occurs on both sides), as PostgreSQL's estimate_num_groups clamps a column by the
    /// rows of its relation. Q20's partsupp rows of the forest parts have as many distinct part
    /// keys as there are forest parts, a quarter of their rows.
    /// </summary>
    private double DistinctKeys(PhysicalPlan plan, BoundExpr key) =>
        StripWidening(key) is BoundColumnRef c ? DistinctValues(plan, c.Index) : plan.EstimatedRows;

    private double DistinctValues(PhysicalPlan plan, int index)
    {
        double rows = Math.Max(plan.EstimatedRows, 1);
        switch (plan)
        {
            case PhysicalFilter filter:
                return Math.Min(rows, DistinctValues(filter.Input, index));
            case PhysicalProject project when index >= 0 && index < project.Exprs.Count:
                return StripWidening(project.Exprs[index]) is BoundColumnRef pc ? Math.Min(rows, DistinctValues(project.Input, pc.Index)) : rows;
            case PhysicalIndexProbeJoin probe:
                return Math.Min(rows, DistinctValues(probe.Join, index));
            case PhysicalHashJoin join:
            {
                PhysicalPlan side, other;
                IReadOnlyList<BoundExpr> sideKeys, otherKeys;
                int column = index;
                bool probeSide;
                if (join.Kind is HashJoinKind.Semi or HashJoinKind.Anti) probeSide = true;
                else if (join.Kind is HashJoinKind.BuildSemi or HashJoinKind.BuildAnti) probeSide = false;
                else
                {
                    var left = join.BuildIsLeft ? join.Build : join.Probe;
                    bool inLeft = index < left.Output.Count;
                    if (!inLeft) column = index - left.Output.Count;
                    probeSide = inLeft != join.BuildIsLeft;
                }
                (side, other, sideKeys, otherKeys) = probeSide
                    ? (join.Probe, join.Build, join.ProbeKeys, join.BuildKeys)
                    : (join.Build, join.Probe, join.BuildKeys, join.ProbeKeys);
                double distinct = DistinctValues(side, column);
                if (join.Kind is HashJoinKind.Inner or HashJoinKind.Semi or HashJoinKind.BuildSemi)
                    for (int k = 0; k < sideKeys.Count; k++)
                        if (StripWidening(sideKeys[k]) is BoundColumnRef sk && sk.Index == column)
                            distinct = Math.Min(distinct, DistinctKeys(other, otherKeys[k]));
                return Math.Min(rows, distinct);
            }
            case PhysicalScan scan when index >= 0 && index < scan.AttNums.Count
                && _scanRelations.TryGetValue(scan.ScanId, out var relation)
                && relation.StatisticsOf(scan.AttNums[index])?.DistinctValues(Math.Max(scan.Relation.RelTuples, 1)) is { } nd and > 0:
                return Math.Min(rows, nd);
            default:
                return rows;
        }
    }

    /// <summary>
    /// The rows a sequential scan would feed into the groupings between <paramref name="plan"/> and
    /// its scan along column <paramref name="index"/> (their input's estimate; 0 with none): the work
    /// a probe below a grouping saves besides the pages (<see cref="PhysicalIndexProbeJoin.GroupRowCost"/>).
    /// </summary>
    private static double GroupedRows(PhysicalPlan plan, int index)
    {
        double rows = 0;
        while (true)
        {
            switch (plan)
            {
                case PhysicalFilter filter:
                    plan = filter.Input;
                    break;
                case PhysicalProject project when index >= 0 && index < project.Exprs.Count:
                    var e = project.Exprs[index].UnwrapRelabel();
                    if (e is not BoundColumnRef c) return rows;
                    index = c.Index;
                    plan = project.Input;
                    break;
                case PhysicalHashAggregate aggregate when index >= 0 && index < aggregate.GroupKeys.Count:
                    var g = aggregate.GroupKeys[index].UnwrapRelabel();
                    if (g is not BoundColumnRef gc) return rows;
                    rows += Math.Max(aggregate.Input.EstimatedRows, 0);
                    index = gc.Index;
                    plan = aggregate.Input;
                    break;
                case PhysicalHashJoin join when KeptSideColumn(join, index) is var (side, column):
                    index = column;
                    plan = side;
                    break;
                default:
                    return rows;
            }
        }
    }

    /// <summary>
    /// Column <paramref name="index"/> of <paramref name="plan"/> as a scan's attribute, through
    /// filters, plain projections, plain group keys and the inputs of joins that may be restricted
    /// on it (<see cref="KeptSideColumn"/>); with <paramref name="throughProbes"/> also through
    /// index-probe joins already chosen below (for the origin of an outer key's values, never for
    /// the scan a probe would read).
    /// </summary>
    private static (PhysicalScan Scan, int AttNum)? TraceToScan(PhysicalPlan plan, int index, bool throughProbes = false)
    {
        while (true)
        {
            switch (plan)
            {
                case PhysicalIndexProbeJoin probe when throughProbes:
                    plan = probe.Join;
                    break;
                case PhysicalScan scan:
                    return index >= 0 && index < scan.AttNums.Count ? (scan, scan.AttNums[index]) : null;
                case PhysicalFilter filter:
                    plan = filter.Input;
                    break;
                case PhysicalProject project:
                    if (index < 0 || index >= project.Exprs.Count) return null;
                    var e = project.Exprs[index].UnwrapRelabel();
                    if (e is not BoundColumnRef c || c.Type.Oid != project.Exprs[index].Type.Oid) return null;
                    index = c.Index;
                    plan = project.Input;
                    break;
                case PhysicalHashAggregate aggregate:
                    // A group key that is a plain input column: the rows whose key is one of the probed
                    // values make up exactly the groups holding those values, so the aggregate over the
                    // probed rows yields the groups the join can match, unchanged (semi-join reduction
                    // below the grouping). Never an aggregate column, never a scalar aggregate.
                    if (index < 0 || index >= aggregate.GroupKeys.Count) return null;
                    var g = aggregate.GroupKeys[index].UnwrapRelabel();
                    if (g is not BoundColumnRef gc || gc.Type.Oid != aggregate.GroupKeys[index].Type.Oid) return null;
                    index = gc.Index;
                    plan = aggregate.Input;
                    break;
                case PhysicalHashJoin join:
                    if (KeptSideColumn(join, index) is not (var side, var column)) return null;
                    index = column;
                    plan = side;
                    break;
                default:
                    return null;
            }
        }
    }

    /// <summary>
    /// Column <paramref name="index"/> of a join's output as a column of the input whose rows
    /// the join may be restricted on: either input of an inner join, the kept input of a semi or
    /// anti join. The join's rows whose column holds one of the probed values are then exactly the
    /// join of that input's rows holding them with the other input, so reading that input through
    /// an index with the probed values loses no row the probe can match (semi-join reduction
    /// below a join: Q2's min(ps_supplycost) groups partsupp joined with the region's suppliers).
    /// Never the NULL-extended side of an outer join (its rows' absence changes other rows).
    /// </summary>
    private static (PhysicalPlan Side, int Column)? KeptSideColumn(PhysicalHashJoin join, int index)
    {
        if (index < 0) return null;
        switch (join.Kind)
        {
            case HashJoinKind.Semi or HashJoinKind.Anti:
                return index < join.Probe.Output.Count ? (join.Probe, index) : null;
            case HashJoinKind.BuildSemi or HashJoinKind.BuildAnti:
                return index < join.Build.Output.Count ? (join.Build, index) : null;
            case HashJoinKind.Inner:
            {
                var left = join.BuildIsLeft ? join.Build : join.Probe;
                var right = join.BuildIsLeft ? join.Probe : join.Build;
                if (index < left.Output.Count) return (left, index);
                index -= left.Output.Count;
                return index < right.Output.Count ? (right, index) : null;
            }
            default:
                return null;
        }
    }
}
