using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>ORDER BY. With <paramref name="Limit"/> set it is a top-N keeping the first Limit rows (offset included).</summary>
public sealed record LogicalSort(LogicalPlan Input, IReadOnlyList<LogicalSortKey> Keys, long? Limit = null) : LogicalPlan
{
    /// <summary>
    /// FETCH FIRST ... WITH TIES: the top-N also keeps the rows after the Limit-th whose keys equal
    /// its keys (PostgreSQL's Limit node in LIMIT_OPTION_WITH_TIES compares them with the sort's equality).
    /// </summary>
    public bool WithTies { get; init; }

    public override IReadOnlyList<LogicalColumn> Output => Input.Output;

    public override IReadOnlyList<LogicalPlan> Children => [Input];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Input = children[0] };

    public override IEnumerable<BoundExpr> Expressions => Keys.Select(k => k.Expr);

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map)
    {
        var keys = MapList(Keys, k => map(k.Expr) is var m && !ReferenceEquals(m, k.Expr) ? k with { Expr = m } : k);
        return ReferenceEquals(keys, Keys) ? this : this with { Keys = keys };
    }
}
