using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// WITH RECURSIVE's body, non_recursive UNION [ALL] recursive (PostgreSQL's RecursiveUnion): the
/// rows of <paramref name="Anchor"/>, then the rows of <paramref name="Recursive"/> run again and
/// again over the previous iteration's new rows (its <see cref="LogicalWorkTableScan"/>) until an
/// iteration yields none. Without ALL a row already produced is dropped, across iterations. Both
/// inputs have the types of <paramref name="Columns"/>; its expressions read every input column,
/// so projection pruning keeps them.
/// </summary>
public sealed record LogicalRecursiveUnion(LogicalPlan Anchor, LogicalPlan Recursive, WorkTable WorkTable, bool All, IReadOnlyList<LogicalColumn> Columns) : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => Columns;

    public override IReadOnlyList<LogicalPlan> Children => [Anchor, Recursive];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Anchor = children[0], Recursive = children[1] };

    public override IEnumerable<BoundExpr> Expressions => Anchor.Output.Concat(Recursive.Output).Select(c => new LogicalColumnRef(c));

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
