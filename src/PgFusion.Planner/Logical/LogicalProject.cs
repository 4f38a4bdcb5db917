using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>Computes one new column per expression; its output is exactly those columns.</summary>
public sealed record LogicalProject(LogicalPlan Input, IReadOnlyList<NamedExpr> Exprs) : LogicalPlan
{
    /// <summary>
    /// The select list of a materialized CTE: PostgreSQL computes every column of it (for every row
    /// the outer query pulls) even when nobody reads them, so their run-time errors are raised;
    /// projection pruning keeps all of them.
    /// </summary>
    public bool KeepAll { get; init; }

    /// <summary>
    /// The select list of a sub-query PostgreSQL pulls up into its parent (or what is left of it
    /// after <see cref="Rules.PulledUpOutputLift"/>): its outputs are substituted into the parent's
    /// expressions, so PostgreSQL computes them where the parent reads them, not below a join.
    /// </summary>
    public bool PulledUpSelectList { get; init; }

    /// <summary>
    /// The select list of a query level with window functions (one flag per expression): whether a
    /// qual over the sub-query that reads only such columns goes below its windows, into its WHERE
    /// (or HAVING). PostgreSQL 15 (allpaths.c check_output_expressions, targetIsInAllPartitionLists)
    /// marks every output unsafe that is not a target entry of every window clause's PARTITION BY;
    /// a qual over safe outputs only drops whole partitions, so it can run before the windows.
    /// Null: not such a select list.
    /// </summary>
    public IReadOnlyList<bool>? WindowQualPushdownColumns { get; init; }

    private readonly OutputCache _output = new();

    public override IReadOnlyList<LogicalColumn> Output => _output.Get(Exprs, null, Exprs, static x => [.. x.Select(e => e.Column)]);

    public override IReadOnlyList<LogicalPlan> Children => [Input];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Input = children[0] };

    public override IEnumerable<BoundExpr> Expressions => Exprs.Select(e => e.Expr);

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map)
    {
        var exprs = MapList(Exprs, e => map(e.Expr) is var m && !ReferenceEquals(m, e.Expr) ? e with { Expr = m } : e);
        return ReferenceEquals(exprs, Exprs) ? this : this with { Exprs = exprs };
    }
}
