namespace PgFusion.Planner.Physical;

/// <summary>One row with no columns: the source of a SELECT without FROM and of VALUES rows.</summary>
public sealed record PhysicalOneRow() : PhysicalPlan([], 1)
{
    public override IReadOnlyList<PhysicalPlan> Children => [];
}
