using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;

namespace PgFusion.Planner.Logical;

/// <summary>
/// Reads range-table entry <paramref name="RangeTableIndex"/> (1-based rti) of relation
/// <paramref name="Relation"/>; <paramref name="Columns"/> are the attributes read, in output order.
/// The binder lists every live attribute; projection pruning keeps the needed ones.
/// </summary>
public sealed record LogicalScan(int RangeTableIndex, string Alias, RelationInfo Relation, IReadOnlyList<ScanColumn> Columns) : LogicalPlan
{
    private readonly OutputCache _output = new();

    public override IReadOnlyList<LogicalColumn> Output => _output.Get(Columns, null, Columns, static c => [.. c.Select(x => x.Column)]);

    public override IReadOnlyList<LogicalPlan> Children => [];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this;

    public override IEnumerable<BoundExpr> Expressions => [];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map) => this;
}
