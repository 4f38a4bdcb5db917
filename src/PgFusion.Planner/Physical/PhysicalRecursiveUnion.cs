using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Physical;

/// <summary>WITH RECURSIVE's iteration (see <see cref="LogicalRecursiveUnion"/>); the estimate is PostgreSQL's: ten times the non-recursive term's rows.</summary>
public sealed record PhysicalRecursiveUnion(PhysicalPlan Anchor, PhysicalPlan Recursive, WorkTable WorkTable, bool All, IReadOnlyList<OutputColumn> Output)
    : PhysicalPlan(Output, Math.Max(1, Anchor.EstimatedRows * 10))
{
    public override IReadOnlyList<PhysicalPlan> Children => [Anchor, Recursive];
}
