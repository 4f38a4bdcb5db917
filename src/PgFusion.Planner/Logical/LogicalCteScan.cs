using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// One reference to a materialized WITH query: the rows of <see cref="CteDefinition.Plan"/>, computed
/// once and shared by every reference, under this reference's own column ids
/// (<paramref name="Columns"/>[i] is the definition's output column i). A leaf: no rule pushes
/// predicates or prunes columns into the definition through it, as PostgreSQL's CTE Scan is a fence.
/// </summary>
public sealed record LogicalCteScan(CteDefinition Definition, IReadOnlyList<LogicalColumn> Columns) : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => Columns;

    public override IReadOnlyList<LogicalPlan> Children => [];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this;

    public override IEnumerable<BoundExpr> Expressions => [];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
