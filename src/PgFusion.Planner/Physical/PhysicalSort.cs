using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Physical;

/// <summary>
/// One ORDER BY key. <paramref name="Descending"/> comes from the sort operator (the type's `&gt;`);
/// <paramref name="NullsFirst"/> as SortGroupClause.nulls_first; text orders by the C collation.
/// </summary>
public sealed record SortKey(BoundExpr Expr, bool Descending, bool NullsFirst);

/// <summary>
/// Sorts its input; with <paramref name="Limit"/> set it is a top-N that keeps only the first
/// Limit rows (offset included).
/// </summary>
public sealed record PhysicalSort(PhysicalPlan Input, IReadOnlyList<SortKey> Keys, long? Limit)
    : PhysicalPlan(Input.Output, Limit is { } l ? Math.Min(l, Input.EstimatedRows) : Input.EstimatedRows)
{
    /// <summary>The top-N also keeps the rows tied with its Limit-th on every key (FETCH FIRST ... WITH TIES).</summary>
    public bool WithTies { get; init; }

    public override IReadOnlyList<PhysicalPlan> Children => [Input];
}
