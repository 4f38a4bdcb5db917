using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// INTERSECT [ALL] / EXCEPT [ALL] over whole rows, NULLs comparing equal. For a row occurring m
/// times on the left and n times on the right: INTERSECT yields it once if m, n &gt; 0, INTERSECT ALL
/// min(m, n) times, EXCEPT once if m &gt; 0 and n = 0, EXCEPT ALL max(m - n, 0) times.
/// Both inputs have the types of <paramref name="Columns"/>.
/// </summary>
public sealed record LogicalSetOp(LogicalPlan Left, LogicalPlan Right, SetOpKind Kind, bool All, IReadOnlyList<LogicalColumn> Columns) : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => Columns;

    /// <summary>An INTERSECT at the top of a sub-query's set operation: per column, whether a qual over the sub-query that reads it goes into both inputs (<see cref="LogicalUnionAll.QualPushdownColumns"/>).</summary>
    public IReadOnlyList<bool>? QualPushdownColumns { get; init; }

    public override IReadOnlyList<LogicalPlan> Children => [Left, Right];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Left = children[0], Right = children[1] };

    public override IEnumerable<BoundExpr> Expressions => Left.Output.Concat(Right.Output).Select(c => new LogicalColumnRef(c));

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
