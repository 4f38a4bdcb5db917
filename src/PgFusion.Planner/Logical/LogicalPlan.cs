using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// A logical operator. Shares the tree-walking API with expressions (<see cref="MapChildren"/>,
/// <see cref="TreeNode"/>'s TransformUp/TransformDown), so a rule is a small function.
/// </summary>
public abstract record LogicalPlan
{
    public abstract IReadOnlyList<LogicalColumn> Output { get; }

    public abstract IReadOnlyList<LogicalPlan> Children { get; }

    /// <summary>The same node over other children (same count, same order).</summary>
    public abstract LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children);

    /// <summary>
    /// The root of a sub-query in FROM that PostgreSQL does not pull up (aggregates, DISTINCT,
    /// LIMIT: a query level of its own). Its planner plans such a sub-query in make_one_rel
    /// (set_subquery_pathlist), after the parent's select list, quals and HAVING are all folded, and
    /// only once remove_unused_subquery_outputs replaced the outputs the parent no longer reads by
    /// NULLs: <see cref="Rules.ConstantEvaluation"/> folds it last, in that order. Kept by
    /// <c>with</c> copies; rules after constant evaluation ignore it.
    /// </summary>
    public bool PlannedSubquery { get; init; }

    /// <summary>The expressions of this node (not of its children), for analyses such as required columns.</summary>
    public abstract IEnumerable<BoundExpr> Expressions { get; }

    /// <summary>The same node with each of its own expressions mapped; returns this when nothing changed.</summary>
    public abstract LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map);

    /// <summary>Maps each child; returns this (not a copy) when no child changed, so rules can detect a fixpoint.</summary>
    public LogicalPlan MapChildren(Func<LogicalPlan, LogicalPlan> map)
    {
        var children = Children;
        if (children.Count == 0) return this;
        LogicalPlan[]? mapped = null;
        for (int i = 0; i < children.Count; i++)
        {
            var c = map(children[i]);
            if (!ReferenceEquals(c, children[i]))
            {
                mapped ??= [.. children];
                mapped[i] = c;
            }
        }
        return mapped is null ? this : WithChildren(mapped);
    }

    protected static IReadOnlyList<T> MapList<T>(IReadOnlyList<T> items, Func<T, T> map)
        where T : class
    {
        T[]? mapped = null;
        for (int i = 0; i < items.Count; i++)
        {
            var m = map(items[i]);
            if (!ReferenceEquals(m, items[i]))
            {
                mapped ??= [.. items];
                mapped[i] = m;
            }
        }
        return mapped is null ? items : mapped;
    }

    // Records compare lists by reference; plans are compared structurally through their EXPLAIN text instead.
    public virtual bool Equals(LogicalPlan? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
