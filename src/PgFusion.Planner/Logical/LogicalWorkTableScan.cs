using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>The recursive term's reference to its own CTE: the rows of the previous iteration.</summary>
public sealed record LogicalWorkTableScan(WorkTable WorkTable, IReadOnlyList<LogicalColumn> Columns) : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => Columns;

    public override IReadOnlyList<LogicalPlan> Children => [];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this;

    public override IEnumerable<BoundExpr> Expressions => [];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
