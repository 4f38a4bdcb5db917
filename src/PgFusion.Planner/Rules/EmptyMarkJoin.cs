using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Rules;

/// <summary>
/// An EXISTS or IN inside an expression is bound as a mark join: the sub-query grouped into
/// bool_or markers, left-joined (or, uncorrelated, cross-joined as one row) to the outer rows. When
/// the sub-query's rows are provably none (its WHERE folded to a constant false), every marker is
/// NULL: the join goes and the markers become NULL constants, which constant folding then carries
/// through the EXISTS / IN test. PostgreSQL keeps such a sub-query a SubPlan whose plan is a dummy
/// Result costing nothing (or an InitPlan Param, costing nothing), tested inside the scan's qual list
/// in cost order; with the join gone, that qual lands in the scan's filter too, where QualOrdering
/// orders it among the others (seed 41 case 323).
/// <para>
/// Not for a mark tested in HAVING (the mark join sits directly over the grouping): PostgreSQL keeps
/// a HAVING conjunct that holds a sub-plan in HAVING (subquery_planner moves only conjuncts without
/// aggregates, volatile functions or sub-plans to WHERE), where it is an InitPlan Param tested
/// after every group is aggregated; so the aggregation runs, and raises what it raises (a float
/// sum's overflow, seed 702 case 574), even though the Param is false. Folding the marker to NULL
/// would turn the HAVING into a constant false that goes below the grouping and skips it; the mark
/// join, over an empty sub-query, gives the same NULL markers after the aggregation has run.
/// </para>
/// </summary>
public sealed class EmptyMarkJoin : IRewriteRule
{
    private const uint BoolOrOid = 2518;

    public string Name => "empty_mark_join";

    public LogicalPlan Apply(LogicalPlan plan)
    {
        var nulls = new Dictionary<int, BoundExpr>();
        plan = plan.TransformUp(p =>
        {
            if (p is not LogicalJoin { Right: LogicalAggregate agg } join || !IsMark(agg) || !IsEmpty(agg.Input) || TestedInHaving(join)) return p;
            bool keyless = agg.GroupKeys.Count == 0;
            if (!(join.Kind == LogicalJoinType.Left || (join.Kind == LogicalJoinType.Inner && keyless && join.Condition is null))) return p;
            foreach (var a in agg.Aggregates) nulls[a.Column.Id] = new BoundConst(null, a.Column.Type);
            foreach (var k in agg.GroupKeys) nulls[k.Column.Id] = new BoundConst(null, k.Column.Type);
            return join.Left;
        });
        if (nulls.Count == 0) return plan;
        return plan.TransformUp(p => p.MapExpressions(e => e.ReplaceColumns(nulls)));
    }

    /// <summary>
    /// A mark join over the grouping of its own query level (the marker is tested in HAVING) whose
    /// conjunct PostgreSQL keeps in HAVING: every conjunct over grouping sets; otherwise an IN / ANY
    /// test (a SubPlan, whose test expression reads the group's columns). An EXISTS whose WHERE folded
    /// to false reads no outer column any more: an InitPlan Param, no sub-plan, which subquery_planner
    /// moves to WHERE (or copies there, without GROUP BY) as a One-Time Filter that gates the input,
    /// so the aggregation does not run, as with the marker folded here. An IN test is told by its
    /// NULL-tracking marker (bool_or over the value IS NULL); over a NOT NULL value the binder leaves
    /// that marker out and the test is taken for an EXISTS. A filter over a grouped sub-query's output
    /// has the same shape and follows the same rule: an IN there reads the sub-query's columns (a
    /// SubPlan, no gate), so the sub-query's aggregation runs.
    /// </summary>
    private static bool TestedInHaving(LogicalJoin join)
    {
        var marks = new List<LogicalAggregate>();
        LogicalPlan left = join;
        while (left is LogicalJoin { Right: LogicalAggregate mark } j && IsMark(mark))
        {
            marks.Add(mark);
            left = j.Left;
        }
        return Grouping(left) switch
        {
            GroupingKind.Sets => true,
            GroupingKind.Plain => marks.Any(m => m.Aggregates.Any(a => a.Aggregate.Args is not [BoundConst { Value: true }])),
            _ => false,
        };
    }

    private enum GroupingKind { None, Plain, Sets }

    /// <summary>A query level's grouping: one aggregate, or grouping sets (one aggregate per set, appended).</summary>
    private static GroupingKind Grouping(LogicalPlan plan) => plan switch
    {
        LogicalAggregate => GroupingKind.Plain,
        LogicalProject p => Grouping(p.Input),
        LogicalUnionAll u when u.Inputs.All(i => Grouping(i) != GroupingKind.None) => GroupingKind.Sets,
        _ => GroupingKind.None,
    };

    private static bool IsMark(LogicalAggregate agg) =>
        agg.Aggregates.Count > 0 && agg.Aggregates.All(a => a.Aggregate.AggOid == BoolOrOid && a.Column.Type == PgType.Bool);

    /// <summary>Produces no row whatever the data: a constant false or NULL filter under operators that keep "no rows" none.</summary>
    private static bool IsEmpty(LogicalPlan plan) => plan switch
    {
        LogicalFilter { Predicate: BoundConst { Value: false or null } } => true,
        LogicalFilter { Predicate: BoundBoolExpr { Op: BoolOp.And } and } when and.Args.Any(a => a is BoundConst { Value: false or null }) => true,
        LogicalFilter f => IsEmpty(f.Input),
        LogicalProject p => IsEmpty(p.Input),
        LogicalAggregate { GroupKeys.Count: > 0 } a => IsEmpty(a.Input),
        LogicalJoin { Kind: LogicalJoinType.Inner or LogicalJoinType.Semi } j => IsEmpty(j.Left) || IsEmpty(j.Right),
        LogicalJoin { Kind: LogicalJoinType.Left or LogicalJoinType.Anti } j => IsEmpty(j.Left),
        _ => false,
    };
}
