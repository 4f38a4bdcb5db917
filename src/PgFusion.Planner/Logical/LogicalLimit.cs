using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>OFFSET <paramref name="Offset"/> LIMIT <paramref name="Count"/> (null: no limit).</summary>
public sealed record LogicalLimit(LogicalPlan Input, long Offset, long? Count) : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => Input.Output;

    public override IReadOnlyList<LogicalPlan> Children => [Input];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Input = children[0] };

    public override IEnumerable<BoundExpr> Expressions => [];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
