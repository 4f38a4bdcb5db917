namespace PgFusion.Planner.Physical;

/// <summary>OFFSET <paramref name="Offset"/> LIMIT <paramref name="Count"/> (null = no limit).</summary>
public sealed record PhysicalLimit(PhysicalPlan Input, long Offset, long? Count)
    : PhysicalPlan(Input.Output, Count is { } c ? Math.Min(c, Math.Max(0, Input.EstimatedRows - Offset)) : Math.Max(0, Input.EstimatedRows - Offset))
{
    public override IReadOnlyList<PhysicalPlan> Children => [Input];
}
