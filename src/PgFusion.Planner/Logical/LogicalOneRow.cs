using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// One row with no columns (PostgreSQL's Result node without a subplan): the input of a SELECT
/// without FROM, and of each row of a VALUES list (a projection of constants over it).
/// </summary>
public sealed record LogicalOneRow : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => [];

    public override IReadOnlyList<LogicalPlan> Children => [];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this;

    public override IEnumerable<BoundExpr> Expressions => [];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
