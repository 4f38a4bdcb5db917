using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// UNION ALL: the rows of every input in turn. Every input's output has the types of
/// <paramref name="Columns"/> in order (the binder casts each branch to the set operation's column types).
/// Its expressions are references to all input columns, so projection pruning keeps them.
/// </summary>
public sealed record LogicalUnionAll(IReadOnlyList<LogicalPlan> Inputs, IReadOnlyList<LogicalColumn> Columns) : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => Columns;

    /// <summary>
    /// Per input, whether PostgreSQL pulls that arm up into an appendrel (prepjointree.c: a UNION ALL
    /// tree with the set operation's column types throughout, flattened by flatten_simple_union_all or
    /// pull_up_simple_union_all; the arm a simple sub-query whose FROM is one relation and which has no
    /// WHERE, is_safe_append_member). Its select list becomes the AppendRelInfo's translated_vars,
    /// which subquery_planner folds with the parent's expressions, before the other arms are planned
    /// (set_append_rel_size, during query_planner). Null: no arm is pulled up (the arms are planned in order).
    /// </summary>
    public IReadOnlyList<AppendRelArm>? AppendRelMembers { get; init; }

    /// <summary>
    /// A VALUES list in FROM (one one-row input per entry): to PostgreSQL a Values Scan, one base
    /// relation, which cost_valuesscan prices at cpu_operator_cost + cpu_tuple_cost per entry.
    /// </summary>
    public bool Values { get; init; }

    /// <summary>
    /// The top UNION [ALL] node of a set operation in a sub-query: per column, whether PostgreSQL pushes
    /// a qual over the sub-query that reads it into every arm (allpaths.c subquery_is_pushdown_safe: no
    /// EXCEPT in the tree, no arm with LIMIT/OFFSET, window functions, DISTINCT ON or set operations of
    /// its own, and the arm's column of the set operation's type, compare_tlist_datatypes). Null: none is pushed.
    /// </summary>
    public IReadOnlyList<bool>? QualPushdownColumns { get; init; }

    public override IReadOnlyList<LogicalPlan> Children => Inputs;

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Inputs = children };

    public override IEnumerable<BoundExpr> Expressions => Inputs.SelectMany(i => i.Output).Select(c => new LogicalColumnRef(c));

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}

/// <summary>How PostgreSQL plans one arm of a flattened UNION ALL (<see cref="LogicalUnionAll.AppendRelMembers"/>).</summary>
public enum AppendRelArm
{
    /// <summary>A sub-query of its own, planned when the appendrel's members are sized.</summary>
    Planned,
    /// <summary>Pulled up: its select list is folded with the parent query's expressions.</summary>
    PulledUp,
    /// <summary>A nested UNION ALL of the same flattened tree (its own members say how each arm is planned).</summary>
    Nested,
}
