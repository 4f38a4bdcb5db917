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
            if (p is not LogicalJoin { Right: LogicalAggregate agg } join || !IsMark(agg) || !IsEmpty(agg.Input)) return p;
            bool keyless = agg.GroupKeys.Count == 0;
            if (!(join.Kind == LogicalJoinType.Left || (join.Kind == LogicalJoinType.Inner && keyless && join.Condition is null))) return p;
            foreach (var a in agg.Aggregates) nulls[a.Column.Id] = new BoundConst(null, a.Column.Type);
            foreach (var k in agg.GroupKeys) nulls[k.Column.Id] = new BoundConst(null, k.Column.Type);
            return join.Left;
        });
        if (nulls.Count == 0) return plan;
        return plan.TransformUp(p => p.MapExpressions(e => e.TransformUp(x => x is LogicalColumnRef r && nulls.TryGetValue(r.Column.Id, out var c) ? c : x)));
    }

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
