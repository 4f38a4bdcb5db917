using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Physical;

/// <summary>
/// Hash aggregation. Output: the group keys in order, then the aggregates in order. With no
/// group keys it yields exactly one row, even over empty input (count = 0, sum = NULL).
/// </summary>
public sealed record PhysicalHashAggregate(
    PhysicalPlan Input,
    IReadOnlyList<BoundExpr> GroupKeys,
    IReadOnlyList<BoundAggregate> Aggregates,
    IReadOnlyList<OutputColumn> Output,
    double EstimatedRows) : PhysicalPlan(Output, EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [Input];

    /// <summary>
    /// PostgreSQL's sort order of the input rows when it aggregates sorted (see
    /// LogicalAggregate.SortedGrouping), as indexes into GroupKeys; null when unknown.
    /// </summary>
    public IReadOnlyList<GroupSortKey>? SortedGrouping { get; init; }
}

/// <summary>A key of PostgreSQL's grouping sort: which group key, descending, NULLS FIRST.</summary>
public sealed record GroupSortKey(int KeyIndex, bool Descending, bool NullsFirst);
