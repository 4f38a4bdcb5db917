using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// Grouping: output is the group keys, then the aggregates. With no keys it yields one row even over
/// empty input. DISTINCT is an aggregate with keys and no aggregates.
/// </summary>
public sealed record LogicalAggregate(LogicalPlan Input, IReadOnlyList<NamedExpr> GroupKeys, IReadOnlyList<NamedAggregate> Aggregates) : LogicalPlan
{
    private readonly OutputCache _output = new();

    /// <summary>
    /// The order of PostgreSQL's sort on the group keys when it aggregates sorted (its groupClause
    /// after preprocess_groupclause, each key with its sort operator's direction and NULLS order);
    /// null when unknown. Used only to tell which row's error PostgreSQL meets first.
    /// </summary>
    public IReadOnlyList<LogicalGroupSortKey>? SortedGrouping { get; init; }

    /// <summary>
    /// A query level's own aggregation that preprocess_minmax_aggregates considers: no GROUP BY, no
    /// window function, no WITH clause (planagg.c rejects the level otherwise). When such an aggregate
    /// has no aggregate left over a one-table FROM, PostgreSQL's MIN/MAX path (over none) reads nothing
    /// (ProjectionPruning).
    /// </summary>
    public bool MinMaxPathLevel { get; init; }

    public override IReadOnlyList<LogicalColumn> Output =>
        _output.Get(GroupKeys, Aggregates, this, static a => [.. a.GroupKeys.Select(k => k.Column), .. a.Aggregates.Select(x => x.Column)]);

    public override IReadOnlyList<LogicalPlan> Children => [Input];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Input = children[0] };

    public override IEnumerable<BoundExpr> Expressions =>
        GroupKeys.Select(k => k.Expr).Concat(Aggregates.SelectMany(a =>
            (a.Aggregate.Filter is { } f ? a.Aggregate.Args.Append(f) : a.Aggregate.Args).Concat(a.Aggregate.OrderBy?.Select(o => o.Expr) ?? [])));

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map)
    {
        var keys = MapList(GroupKeys, k => map(k.Expr) is var m && !ReferenceEquals(m, k.Expr) ? k with { Expr = m } : k);
        var aggs = MapList(Aggregates, a =>
        {
            var args = MapList(a.Aggregate.Args, map);
            var filter = a.Aggregate.Filter is { } f ? map(f) : null;
            var order = a.Aggregate.OrderBy is { } o ? MapList(o, k => map(k.Expr) is var m && !ReferenceEquals(m, k.Expr) ? k with { Expr = m } : k) : null;
            return ReferenceEquals(args, a.Aggregate.Args) && ReferenceEquals(filter, a.Aggregate.Filter) && ReferenceEquals(order, a.Aggregate.OrderBy)
                ? a
                : a with { Aggregate = a.Aggregate with { Args = args, Filter = filter, OrderBy = order } };
        });
        return ReferenceEquals(keys, GroupKeys) && ReferenceEquals(aggs, Aggregates) ? this : this with { GroupKeys = keys, Aggregates = aggs };
    }
}
