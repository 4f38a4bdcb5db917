using PgFusion.Planner.Binding;
using PgFusion.Planner.JoinOrder;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner.Physical;

// Joins: equi-join keys out of the condition, the rest as the residual; build side by estimates.
public sealed partial class PhysicalPlanner
{
    /// <summary>Integer equality operators' functions (int2/int4/int8 in any pairing): keys widen to int8 when widths differ.</summary>
    private static readonly HashSet<string> IntegerEquality = ["int2eq", "int4eq", "int8eq", "int24eq", "int42eq", "int28eq", "int82eq", "int48eq", "int84eq"];

    /// <summary>Equality functions whose two arguments have one type, with the semantics of that type's hash opclass.</summary>
    private static readonly HashSet<string> SameTypeEquality =
        ["texteq", "bpchareq", "numeric_eq", "float4eq", "float8eq", "date_eq", "timestamp_eq", "timestamptz_eq", "booleq", "oideq", "uuid_eq", "time_eq", "float48eq", "float84eq"];

    private const uint Int4ToInt8 = 481;
    private const uint Int2ToInt8 = 754;
    private const uint Float4ToFloat8 = 311;

    private PhysicalPlan LowerJoin(LogicalJoin join)
    {
        if (join.Kind == LogicalJoinType.NullAwareAnti && !IsOneEquiKey(join)) join = AsAntiJoin(join);
        var left = Lower(join.Left);
        var right = Lower(join.Right);
        var leftIds = ColumnIds.Of(join.Left.Output);
        var rightIds = ColumnIds.Of(join.Right.Output);
        var leftKeys = new List<BoundExpr>();
        var rightKeys = new List<BoundExpr>();
        var residual = new List<BoundExpr>();
        double selectivity = 1;
        foreach (var c in join.Condition is null ? [] : PredicatePushdown.Conjuncts(join.Condition))
        {
            if (TryEquiKey(c, leftIds, rightIds, out var l, out var r))
            {
                leftKeys.Add(l);
                rightKeys.Add(r);
            }
            else
            {
                residual.Add(c);
                selectivity *= new SelectivityEstimator(catalog, _origins).Estimate(c);
            }
        }
        if (leftKeys.Count > 0) selectivity *= CompositeEquiJoinSelectivity(leftKeys, rightKeys);
        // PostgreSQL refuses these ("FULL JOIN is only supported with merge-joinable or hash-joinable join conditions"); falling back gives its error.
        if (join.Kind == LogicalJoinType.Full && leftKeys.Count == 0)
            throw UnsupportedConstructException.NotYet("FULL JOIN without an equality between its inputs");

        // Semi and anti joins build their left (kept) input only with equi-keys: without keys every
        // probe row would pair with every build row, where a right build stops at the first match.
        bool buildIsLeft = (join.Kind is LogicalJoinType.Inner or LogicalJoinType.Left or LogicalJoinType.Right or LogicalJoinType.Full
                || (join.Kind is LogicalJoinType.Semi or LogicalJoinType.Anti && leftKeys.Count > 0))
            && !join.Gated
            // A LATERAL sub-query is the inner input of PostgreSQL's nested loop: built, never probed.
            && !join.LateralInner
            // A left or right join without an equality is a nested loop in PostgreSQL whose outer
            // input is the preserved one: it emits, for each preserved row in turn, that row's pairs
            // (then its NULL-extended row), and the probe side here emits in that order, so the
            // projection above meets a raising row where PostgreSQL's does (seed 710 case 3910).
            && (leftKeys.Count == 0 && join.Kind is LogicalJoinType.Left or LogicalJoinType.Right
                ? (join.Kind == LogicalJoinType.Left ? JoinBuildSide.Right : JoinBuildSide.Left)
            // A join without an equality is a nested loop in PostgreSQL. Over a scan that costs it
            // nothing (an analyzed empty relation) both loop orders cost the same, whatever the other
            // side's rows, and the tie goes to the first path add_path kept: the first relation of the
            // FROM list outer, read first, which is the left input probed here (seed 503 case 333).
            : leftKeys.Count == 0 && (PredicatePushdown.IsFreeSeqScan(join.Left) || PredicatePushdown.IsFreeSeqScan(join.Right))
                ? JoinBuildSide.Right
                // Otherwise PostgreSQL's outer input is the one its nested-loop costs make outer (read first, probed here).
                : leftKeys.Count == 0 && join.Kind == LogicalJoinType.Inner && NestLoopReadsLeftFirst(join, left.EstimatedRows, right.EstimatedRows) is { } leftFirst
                    ? (leftFirst ? JoinBuildSide.Right : JoinBuildSide.Left)
                    : CostModel.ChooseBuildSide(left.EstimatedRows, right.EstimatedRows)) == JoinBuildSide.Left;
        // A scalar or mark sub-query of an expression is a SubPlan to PostgreSQL, run for every outer
        // row that reaches it, after that row's cheaper quals: when the sub-query has no row at all,
        // every outer row is still read and its quals evaluated (a join would stop at the empty
        // side). The outer input is read to its end: built first, or probed to the end even when
        // the table is empty; only when something in it can raise (seed 710 case 5468).
        bool everyOuterRow = join.SubPlan && join.Kind is LogicalJoinType.Inner && !join.LateralInner && !join.Gated && MayRaise(join.Left);
        var kind = join.Kind switch
        {
            LogicalJoinType.Inner => HashJoinKind.Inner,
            LogicalJoinType.Left => buildIsLeft ? HashJoinKind.BuildOuter : HashJoinKind.ProbeOuter,
            LogicalJoinType.Right => buildIsLeft ? HashJoinKind.ProbeOuter : HashJoinKind.BuildOuter,
            LogicalJoinType.Full => HashJoinKind.Full,
            LogicalJoinType.Semi => buildIsLeft ? HashJoinKind.BuildSemi : HashJoinKind.Semi,
            LogicalJoinType.Anti => buildIsLeft ? HashJoinKind.BuildAnti : HashJoinKind.Anti,
            _ => HashJoinKind.NullAwareAnti,
        };
        double rows = EstimateJoinRows(join, left.EstimatedRows, right.EstimatedRows, selectivity);
        var pair = join.Left.Output.Concat(join.Right.Output).ToList();
        var leftResolved = leftKeys.Select(k => Resolve(k, join.Left.Output)).ToList();
        var rightResolved = rightKeys.Select(k => Resolve(k, join.Right.Output)).ToList();
        return ConsiderIndexProbe(new PhysicalHashJoin(
            buildIsLeft ? right : left,
            buildIsLeft ? left : right,
            kind,
            buildIsLeft ? rightResolved : leftResolved,
            buildIsLeft ? leftResolved : rightResolved,
            residual.Count == 0 ? null : Resolve(PredicateSimplification.Conjunction(residual), pair),
            buildIsLeft,
            Columns(join.Output),
            Estimates.Rows(rows)) { BuildFirst = join.Gated || (everyOuterRow && buildIsLeft), NestLoopInner = join.LateralInner || (everyOuterRow && !buildIsLeft) });
    }

    /// <summary>
    /// Whether reading <paramref name="plan"/> may raise an error: anything but scans under filters,
    /// projections and joins whose expressions cannot raise (<see cref="PredicatePushdown.CannotRaise"/>).
    /// </summary>
    private bool MayRaise(LogicalPlan plan) => plan switch
    {
        LogicalScan => false,
        LogicalFilter f => !PredicatePushdown.CannotRaise(f.Predicate, IsComparisonFunction) || MayRaise(f.Input),
        LogicalProject p => p.Exprs.Any(e => !PredicatePushdown.CannotRaise(e.Expr, IsComparisonFunction)) || MayRaise(p.Input),
        LogicalJoin j => (j.Condition is { } c && !PredicatePushdown.CannotRaise(c, IsComparisonFunction)) || MayRaise(j.Left) || MayRaise(j.Right),
        _ => true,
    };

    private bool IsComparisonFunction(uint funcOid) => catalog.OperatorOfFunction(funcOid) is { Name: "=" or "<>" or "<" or "<=" or ">" or ">=" };

    private static bool IsOneEquiKey(LogicalJoin join)
    {
        var leftIds = ColumnIds.Of(join.Left.Output);
        var rightIds = ColumnIds.Of(join.Right.Output);
        return join.Condition is { } c && PredicatePushdown.Conjuncts(c) is [var only] && TryEquiKey(only, leftIds, rightIds, out _, out _);
    }

    /// <summary>
    /// NOT IN whose test is not one hashable equality, e.g. <c>(a, b) NOT IN (SELECT x, y ...)</c>: a
    /// left row survives (in WHERE, where NULL rejects as false does) only when the test is false for
    /// every right row, so it is an anti join on "the test is not false", <c>COALESCE(test, true)</c>:
    /// a right row whose test is NULL (a = x AND b = NULL with a = x) rejects the left row as PostgreSQL's
    /// NULL result does. Without equi-keys every left row is compared with every right row.
    /// </summary>
    private static LogicalJoin AsAntiJoin(LogicalJoin join) => join with
    {
        Kind = LogicalJoinType.Anti,
        Condition = join.Condition is { } c ? new BoundCoalesce([c, new BoundConst(true, PgType.Bool)], PgType.Bool) : null,
    };

    /// <summary>Selectivity of one join conjunct: eqjoinsel for a column equality, else the filter estimate.</summary>
    internal double ConjunctSelectivity(BoundExpr conjunct)
    {
        if (conjunct is BoundFuncCall { Args: [var a, var b] } f && IsStrictComparison(f) && KeyOrigin(a) is not null && KeyOrigin(b) is not null)
            return Estimates.Selectivity(EquiJoinSelectivity(a, b));
        return new SelectivityEstimator(catalog, _origins).Estimate(conjunct);
    }

    /// <summary>
    /// Selectivity of l1 = r1 AND ... AND ln = rn together. Each equality alone is eqjoinsel; their
    /// product assumes independence, which for a composite key (partsupp's (ps_partkey,
    /// ps_suppkey), lineitem's references to it) underestimates badly: 800K x 6M rows x 1/200K x
    /// 1/10K gives 2.4K rows where every lineitem row finds its partsupp row. So the keys of one
    /// side that all read one base table are also counted as one composite value with at most
    /// min(product of the columns' distinct counts, reltuples) distinct values; a side whose
    /// product reaches reltuples looks unique, and the other side's values are assumed contained in
    /// its values (a foreign key, as PostgreSQL's foreign-key join estimate); the selectivity is
    /// then at least 1 / max(composite distinct counts), never below the product.
    /// </summary>
    internal double CompositeEquiJoinSelectivity(IReadOnlyList<BoundExpr> leftKeys, IReadOnlyList<BoundExpr> rightKeys)
    {
        double product = 1;
        for (int i = 0; i < leftKeys.Count; i++) product *= EquiJoinSelectivity(leftKeys[i], rightKeys[i]);
        if (leftKeys.Count < 2) return product;
        var l = CompositeDistinct(leftKeys);
        var r = CompositeDistinct(rightKeys);
        if (l is not { } ls || r is not { } rs) return product;
        double nl = ls.Distinct, nr = rs.Distinct;
        if (ls.Unique) nr = Math.Min(nr, nl);
        if (rs.Unique) nl = Math.Min(nl, nr);
        double composite = ls.NonNull * rs.NonNull / Math.Max(1, Math.Max(nl, nr));
        return Math.Min(1, Math.Max(product, composite));
    }

    /// <summary>Distinct values of a composite key whose columns all come from one base table with statistics; null otherwise.</summary>
    private (double Distinct, bool Unique, double NonNull)? CompositeDistinct(IReadOnlyList<BoundExpr> keys)
    {
        RelationInfo? relation = null;
        double product = 1, nonNull = 1, tuples = 0;
        foreach (var k in keys)
        {
            if (KeyOrigin(k) is not { Statistics: { } stats } origin) return null;
            if (relation is null) relation = origin.Relation;
            else if (!ReferenceEquals(relation, origin.Relation)) return null;
            if (stats.DistinctValues(origin.RelTuples) is not { } nd) return null;
            product *= nd;
            nonNull *= 1 - stats.NullFrac;
            tuples = origin.RelTuples;
        }
        if (tuples < 1) return null;
        return (Math.Min(product, tuples), product >= tuples, nonNull);
    }

    /// <summary>Equality operators' functions: strict, so false or NULL when either input is NULL.</summary>
    internal static bool IsStrictComparison(BoundFuncCall f) => IntegerEquality.Contains(f.Name) || SameTypeEquality.Contains(f.Name);

    /// <summary>Rows of the join; an anti-reduced outer join (<see cref="LogicalJoin.AntiReduced"/>) as the anti join it is to PostgreSQL.</summary>
    private static double EstimateJoinRows(LogicalJoin join, double leftRows, double rightRows, double selectivity) => join.Kind switch
    {
        LogicalJoinType.Left when join.AntiReduced => CardinalityEstimator.JoinRows(JoinKind.Anti, leftRows, rightRows, selectivity),
        LogicalJoinType.Right when join.AntiReduced => CardinalityEstimator.JoinRows(JoinKind.Anti, rightRows, leftRows, selectivity),
        LogicalJoinType.Inner => CardinalityEstimator.JoinRows(JoinKind.Inner, leftRows, rightRows, selectivity),
        LogicalJoinType.Left => CardinalityEstimator.JoinRows(JoinKind.LeftOuter, leftRows, rightRows, selectivity),
        LogicalJoinType.Right => CardinalityEstimator.JoinRows(JoinKind.LeftOuter, rightRows, leftRows, selectivity),
        LogicalJoinType.Full => CardinalityEstimator.JoinRows(JoinKind.FullOuter, leftRows, rightRows, selectivity),
        LogicalJoinType.Semi => CardinalityEstimator.JoinRows(JoinKind.Semi, leftRows, rightRows, selectivity),
        _ => CardinalityEstimator.JoinRows(JoinKind.Anti, leftRows, rightRows, selectivity),
    };

    /// <summary>
    /// An equality conjunct whose one side reads only the left input and the other only the right,
    /// with a type whose equality the hash table implements; the keys come back in one type.
    /// </summary>
    internal static bool TryEquiKey(BoundExpr conjunct, IReadOnlySet<int> leftIds, IReadOnlySet<int> rightIds, out BoundExpr leftKey, out BoundExpr rightKey)
    {
        leftKey = rightKey = conjunct;
        if (conjunct is not BoundFuncCall { Args: [var a, var b] } f) return false;
        bool integer = IntegerEquality.Contains(f.Name);
        if (!integer && !SameTypeEquality.Contains(f.Name)) return false;
        if (Within(a, leftIds) && Within(b, rightIds)) (leftKey, rightKey) = (a, b);
        else if (Within(b, leftIds) && Within(a, rightIds)) (leftKey, rightKey) = (b, a);
        else return false;
        if (leftKey.Type.Oid == rightKey.Type.Oid) return true;
        if (integer)
        {
            leftKey = ToInt8(leftKey);
            rightKey = ToInt8(rightKey);
            return true;
        }
        if (f.Name is "float48eq" or "float84eq")
        {
            leftKey = ToFloat8(leftKey);
            rightKey = ToFloat8(rightKey);
            return true;
        }
        return false;
    }

    private static bool Within(BoundExpr e, IReadOnlySet<int> ids)
    {
        bool any = false;
        foreach (var c in e.ReferencedColumns())
        {
            if (!ids.Contains(c.Id)) return false;
            any = true;
        }
        return any;
    }

    private static BoundExpr ToInt8(BoundExpr e) => e.Type.Oid switch
    {
        PgTypeOid.Int8 => e,
        PgTypeOid.Int4 => new BoundFuncCall(Int4ToInt8, "int8", [e], PgType.Int8),
        PgTypeOid.Int2 => new BoundFuncCall(Int2ToInt8, "int8", [e], PgType.Int8),
        _ => throw new InvalidOperationException($"integer equality over {e.Type}"),
    };

    private static BoundExpr ToFloat8(BoundExpr e) =>
        e.Type.Oid == PgTypeOid.Float8 ? e : new BoundFuncCall(Float4ToFloat8, "float8", [e], PgType.Float8);

    /// <summary>eqjoinsel without MCVs: (1 - nullfrac1)(1 - nullfrac2) / max(nd1, nd2); 0.005 without statistics.</summary>
    private double EquiJoinSelectivity(BoundExpr left, BoundExpr right)
    {
        var l = KeyOrigin(left);
        var r = KeyOrigin(right);
        if (l?.Statistics is null && r?.Statistics is null) return CardinalityEstimator.DefaultEqualitySelectivity;
        var ls = l?.Statistics is { } a ? new JoinOrder.ColumnStatistics(a.DistinctValues(l.RelTuples) ?? JoinOrder.ColumnStatistics.DefaultDistinctValues, a.NullFrac) : new JoinOrder.ColumnStatistics(JoinOrder.ColumnStatistics.DefaultDistinctValues, 0);
        var rs = r?.Statistics is { } b ? new JoinOrder.ColumnStatistics(b.DistinctValues(r.RelTuples) ?? JoinOrder.ColumnStatistics.DefaultDistinctValues, b.NullFrac) : new JoinOrder.ColumnStatistics(JoinOrder.ColumnStatistics.DefaultDistinctValues, 0);
        return CardinalityEstimator.EquiJoinSelectivity(ls, rs);
    }

    private ColumnOrigin? KeyOrigin(BoundExpr e) => e switch
    {
        BoundRelabel r => KeyOrigin(r.Arg),
        BoundFuncCall { FuncOid: Int4ToInt8 or Int2ToInt8 or Float4ToFloat8, Args: [var a] } => KeyOrigin(a),
        LogicalColumnRef c => _origins.GetValueOrDefault(c.Column.Id),
        _ => null,
    };
}
