using PgFusion.Types;

namespace PgFusion.Planner.Binding;

/// <summary>
/// An aggregate call in a grouping operator: pg_aggregate's aggfnoid (e.g. 2108 sum(int4)),
/// its arguments over the aggregate's input rows, DISTINCT, an optional FILTER predicate, and
/// the result type PostgreSQL assigned (aggtype), and ORDER BY inside the call (null when none).
/// </summary>
public sealed record BoundAggregate(uint AggOid, string Name, IReadOnlyList<BoundExpr> Args, bool Distinct, BoundExpr? Filter, PgType Type,
    IReadOnlyList<AggregateSortKey>? OrderBy = null)
{
    /// <summary>Not a pg_aggregate entry: the group's first input row's value, NULL included (DISTINCT ON).</summary>
    public const uint FirstValueOid = 0;

    /// <summary>
    /// Not a pg_aggregate entry: the group's only input value, NULL when it has no rows; a second row
    /// raises 21000 "more than one row returned by a subquery used as an expression" (a scalar subquery).
    /// </summary>
    public const uint SingleValueOid = 1;

    /// <summary>
    /// Not a pg_aggregate entry: the value of any of the group's input rows, NULL when it has none.
    /// Only for a column whose rows in a group all hold one value (functionally dependent on the
    /// group keys, Rules/FunctionalDependencyGrouping): which row gives it does not matter, so
    /// partial aggregates of a parallel scan merge.
    /// </summary>
    public const uint AnyValueOid = 2;

    /// <summary>
    /// Not a pg_proc entry: the function pgfusion_single_row(int8 rows) → bool, true for at most one
    /// row, else it raises 21000 as <see cref="SingleValueOid"/> does (a correlated scalar subquery's check).
    /// </summary>
    public const uint SingleRowCheckOid = 0xFFFF_FF01;

    /// <summary>
    /// This aggregate as a window function over <paramref name="callArgs"/>, the window call's
    /// arguments: with a FILTER, the last of them is the filter, the others the aggregate's arguments.
    /// </summary>
    public BoundAggregate WithWindowArgs(IReadOnlyList<BoundExpr> callArgs) =>
        Filter is null ? this with { Args = callArgs } : this with { Args = [.. callArgs.Take(callArgs.Count - 1)], Filter = callArgs[^1] };
}
