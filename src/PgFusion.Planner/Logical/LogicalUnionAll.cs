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

    public override IReadOnlyList<LogicalPlan> Children => Inputs;

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Inputs = children };

    public override IEnumerable<BoundExpr> Expressions => Inputs.SelectMany(i => i.Output).Select(c => new LogicalColumnRef(c));

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
