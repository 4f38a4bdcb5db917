using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Physical;

/// <summary>Keeps the rows for which <paramref name="Predicate"/> is true (not false, not NULL).</summary>
public sealed record PhysicalFilter(PhysicalPlan Input, BoundExpr Predicate, double EstimatedRows)
    : PhysicalPlan(Input.Output, EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [Input];
}
