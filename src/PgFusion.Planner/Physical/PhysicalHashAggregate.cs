using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Physical;

/// <summary>
/// Hash aggregation. Output: the group keys in order, then the aggregates in order. With no
/// group keys it yields exactly one row, even over empty input (count = 0, sum = NULL).
/// </summary>
public sealed record PhysicalHashAggregate(
    PhysicalPlan Input,
    IReadOnlyList<BoundExpr> GroupKeys,
    IReadOnlyList<BoundAggregate> Aggregates,
    IReadOnlyList<OutputColumn> Output,
    double EstimatedRows) : PhysicalPlan(Output, EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [Input];
}
