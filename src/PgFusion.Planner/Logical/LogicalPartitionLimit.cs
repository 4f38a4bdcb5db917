using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// OFFSET/LIMIT applied per partition: of each run of rows with equal <paramref name="PartitionKeys"/>,
/// the rows after the first <paramref name="Offset"/>, at most <paramref name="Count"/> of them. The
/// input is a sort whose leading keys are the partition keys (so a partition's rows are adjacent,
/// in the order the remaining sort keys give), and the keys are never NULL. A decorrelated LATERAL
/// sub-query with ORDER BY ... LIMIT is this over its rows partitioned by its correlation keys: a
/// top-N per outer key, as row_number() OVER (PARTITION BY keys ORDER BY ...) &lt;= N would be.
/// </summary>
public sealed record LogicalPartitionLimit(LogicalPlan Input, IReadOnlyList<LogicalColumn> PartitionKeys, long Offset, long? Count) : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => Input.Output;

    public override IReadOnlyList<LogicalPlan> Children => [Input];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Input = children[0] };

    public override IEnumerable<BoundExpr> Expressions => PartitionKeys.Select(k => new LogicalColumnRef(k));

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
