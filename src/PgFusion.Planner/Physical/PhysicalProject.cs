using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Physical;

/// <summary>Computes one output column per expression.</summary>
public sealed record PhysicalProject(PhysicalPlan Input, IReadOnlyList<BoundExpr> Exprs, IReadOnlyList<OutputColumn> Output)
    : PhysicalPlan(Output, Input.EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [Input];
}
