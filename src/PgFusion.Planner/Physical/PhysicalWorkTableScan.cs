using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Physical;

/// <summary>The recursive term's read of the previous iteration's rows.</summary>
public sealed record PhysicalWorkTableScan(WorkTable WorkTable, IReadOnlyList<OutputColumn> Output, double EstimatedRows)
    : PhysicalPlan(Output, EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [];
}
