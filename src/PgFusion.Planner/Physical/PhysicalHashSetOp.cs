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

    /// <summary>
    /// Whether the right input is read before the left one. PostgreSQL's generate_nonunion_paths
    /// puts an INTERSECT's input with fewer estimated groups first (the left one on a tie; EXCEPT
    /// always left first) and its Append reads the inputs in that order, so a row of that input
    /// raises first. pg_fusion estimates the groups by the inputs' estimated rows.
    /// </summary>
    public bool RightFirst { get; init; }
}
