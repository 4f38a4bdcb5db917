using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>Keeps the rows for which <paramref name="Predicate"/> is true.</summary>
public sealed record LogicalFilter(LogicalPlan Input, BoundExpr Predicate) : LogicalPlan
{
    /// <summary>
    /// A HAVING over grouping sets: PostgreSQL keeps such a qual in HAVING (it neither moves nor
    /// copies it to WHERE, since an empty grouping set makes a row from no input), so every input
    /// row is aggregated before the qual is tested per group, even when the qual is constant false.
    /// </summary>
    public bool OverGroupingSets { get; init; }

    /// <summary>
    /// A HAVING without GROUP BY whose constant or pseudoconstant conjuncts PostgreSQL also copies into
    /// the WHERE's gate (<see cref="Rules.OneTimeFilter"/>): the copy decides whether the input runs, and
    /// this filter is still tested on the aggregate's row, so its input is read even when it is constant false.
    /// </summary>
    public bool CopiedToWhere { get; init; }

    /// <summary>
    /// PostgreSQL's One-Time Filter (a gating Result node): every conjunct reads no column and calls
    /// a stable function, so it has one value for the statement; it is evaluated once, before the
    /// input's first row is asked for (even when the input has none), and when it is false or NULL
    /// the input is never read (<see cref="Rules.OneTimeFilter"/>).
    /// </summary>
    public bool OneTime { get; init; }

    /// <summary>
    /// The HAVING of a query level: its quals are no relation's restriction list, so PostgreSQL
    /// absorbs none of its equalities into an equivalence class and keeps them in the written order
    /// before sorting by cost (<see cref="Rules.QualOrdering"/>).
    /// </summary>
    public bool Having { get; init; }

    public override IReadOnlyList<LogicalColumn> Output => Input.Output;

    public override IReadOnlyList<LogicalPlan> Children => [Input];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Input = children[0] };

    public override IEnumerable<BoundExpr> Expressions => [Predicate];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map)
    {
        var p = map(Predicate);
        return ReferenceEquals(p, Predicate) ? this : this with { Predicate = p };
    }
}
