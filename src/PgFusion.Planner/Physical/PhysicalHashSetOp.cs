using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Physical;

/// <summary>
/// INTERSECT [ALL] / EXCEPT [ALL] by hashing whole rows of both inputs (NULLs equal) and counting
/// each distinct row's occurrences per side; see <see cref="LogicalSetOp"/> for the output counts.
/// </summary>
public sealed record PhysicalHashSetOp(PhysicalPlan Left, PhysicalPlan Right, SetOpKind Kind, bool All, IReadOnlyList<OutputColumn> Output, double EstimatedRows)
    : PhysicalPlan(Output, EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [Left, Right];
}
