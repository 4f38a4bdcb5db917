namespace PgFusion.Planner.Physical;

/// <summary>
/// OFFSET/LIMIT per run of equal values in the input columns <paramref name="KeyIndexes"/> (the
/// input is sorted on them first, and they are never NULL): see <see cref="Logical.LogicalPartitionLimit"/>.
/// </summary>
public sealed record PhysicalPartitionLimit(PhysicalPlan Input, IReadOnlyList<int> KeyIndexes, long Offset, long? Count, double EstimatedRows)
    : PhysicalPlan(Input.Output, EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [Input];
}
