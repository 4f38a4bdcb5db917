using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Unnests the sub-queries the binder left as <see cref="LogicalApply"/> nodes (PostgreSQL's
/// pull_up_sublinks, DuckDB's FlattenDependentJoins): each becomes the join it stands for, a semi
/// join for EXISTS and IN/ANY, an anti join for NOT EXISTS, a null-aware anti join for NOT IN, and a
/// left join to the grouped sub-query for a correlated scalar, EXISTS or IN inside an expression.
/// The binder has already found the correlation (the sub-query's WHERE conjuncts that read the
/// outer query, its grouping by the correlation keys, QueryBinder.Subqueries and .Marks); this pass
/// makes the joins. It runs on the bound plan, before constant evaluation, so every later pass sees
/// joins only (<see cref="IRewriteRule.RunsOnBoundPlan"/>). Turned off, a query with such a
/// sub-query is Unsupported (<see cref="RejectRemaining"/>); an uncorrelated scalar sub-query
/// (an InitPlan to PostgreSQL: one row, cross-joined) is bound as a join and plans either way.
/// </summary>
public sealed class SubqueryDecorrelation : IRewriteRule
{
    public const string RuleName = "subquery_decorrelation";

    public string Name => RuleName;

    public bool RunsOnBoundPlan => true;

    public LogicalPlan Apply(LogicalPlan plan) => plan.TransformUp(p =>
        p is LogicalApply apply ? new LogicalJoin(apply.Input, apply.Subquery, apply.Kind, apply.Condition)
        {
            Subquery = true,
            SubPlan = apply.Kind == LogicalJoinType.Left,
            QualsWrittenBefore = apply.QualsWrittenBefore,
        } : p);

    /// <summary>
    /// Raises Unsupported for the first sub-query still to unnest (the rule was turned off): no later
    /// pass nor the physical planner handles a <see cref="LogicalApply"/>.
    /// </summary>
    public static void RejectRemaining(LogicalPlan plan)
    {
        if (FirstApply(plan) is { } apply)
            throw new UnsupportedConstructException($"{apply.Construct} needs the {RuleName} rewrite rule, which is disabled");
    }

    private static LogicalApply? FirstApply(LogicalPlan plan)
    {
        if (plan is LogicalApply apply) return apply;
        foreach (var child in plan.Children)
            if (FirstApply(child) is { } found) return found;
        return null;
    }
}
