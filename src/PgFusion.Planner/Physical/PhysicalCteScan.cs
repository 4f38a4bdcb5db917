namespace PgFusion.Planner.Physical;

/// <summary>One reference to a materialized WITH query: its rows, read from the buffer the first reading reference fills.</summary>
public sealed record PhysicalCteScan(PhysicalCte Cte, IReadOnlyList<OutputColumn> Output)
    : PhysicalPlan(Output, Cte.Plan.EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [];
}
