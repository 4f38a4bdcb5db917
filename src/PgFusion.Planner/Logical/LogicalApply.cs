using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// A sub-query (SubLink) the binder has bound but not unnested: <paramref name="Subquery"/> is its
/// plan, to be joined to <paramref name="Input"/> as a <paramref name="Kind"/> join on
/// <paramref name="Condition"/> (the sub-query's correlation and IN/ANY test, or null). The
/// subquery_decorrelation rule (Rules/SubqueryDecorrelation) turns it into that
/// <see cref="LogicalJoin"/>; no later rule and no physical planning sees one, and when the rule is
/// turned off the query is Unsupported (PostgreSQL runs it). <paramref name="Construct"/> names the
/// sub-query for that message. Output: as the join's.
/// </summary>
public sealed record LogicalApply(LogicalPlan Input, LogicalPlan Subquery, LogicalJoinType Kind, BoundExpr? Condition, string Construct) : LogicalPlan
{
    /// <summary>The WHERE conjuncts written before this NOT IN (<see cref="LogicalJoin.QualsWrittenBefore"/>).</summary>
    public IReadOnlyList<BoundExpr> QualsWrittenBefore { get; init; } = [];

    private readonly OutputCache _output = new();

    public override IReadOnlyList<LogicalColumn> Output
    {
        get
        {
            if (Kind.OutputsLeftOnly()) return Input.Output;
            var left = Input.Output;
            var right = Subquery.Output;
            return _output.Get(left, right, (left, right), static s => [.. s.left, .. s.right]);
        }
    }

    public override IReadOnlyList<LogicalPlan> Children => [Input, Subquery];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Input = children[0], Subquery = children[1] };

    public override IEnumerable<BoundExpr> Expressions => Condition is null ? [] : [Condition];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map)
    {
        if (Condition is null) return this;
        var c = map(Condition);
        return ReferenceEquals(c, Condition) ? this : this with { Condition = c };
    }
}
