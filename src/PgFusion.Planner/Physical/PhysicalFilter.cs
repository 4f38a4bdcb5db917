using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Physical;

/// <summary>Keeps the rows for which <paramref name="Predicate"/> is true (not false, not NULL).</summary>
public sealed record PhysicalFilter(PhysicalPlan Input, BoundExpr Predicate, double EstimatedRows)
    : PhysicalPlan(Input.Output, EstimatedRows)
{
    /// <summary>
    /// A HAVING over grouping sets (<see cref="Logical.LogicalFilter.OverGroupingSets"/>): every
    /// input row is aggregated even when the predicate is constant false, as in PostgreSQL.
    /// </summary>
    public bool OverGroupingSets { get; init; }

    /// <summary>
    /// A HAVING whose copy gates the WHERE (<see cref="Logical.LogicalFilter.CopiedToWhere"/>): its
    /// input is read (the gate below decides what runs) even when the predicate is constant false.
    /// </summary>
    public bool CopiedToWhere { get; init; }

    /// <summary>
    /// PostgreSQL's One-Time Filter (<see cref="Logical.LogicalFilter.OneTime"/>): the predicate reads
    /// no column; it is evaluated once before the input is opened, and a false or NULL one reads no input.
    /// </summary>
    public bool OneTime { get; init; }

    public override IReadOnlyList<PhysicalPlan> Children => [Input];
}
