using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// The window functions of one window clause (PostgreSQL's WindowAgg): its input is sorted by
/// <paramref name="PartitionKeys"/> then <paramref name="OrderKeys"/> (a <see cref="LogicalSort"/>
/// the binder puts below, with the clause's sort operators and NULLS FIRST/LAST), rows with equal
/// partition keys (NULLs equal) form a partition, rows with equal order keys are peers. Outputs its
/// input's columns and one column per function. Filters above it stay above: a row a filter drops
/// would still count in the partitions below it.
/// </summary>
public sealed record LogicalWindow(LogicalPlan Input, IReadOnlyList<LogicalColumn> PartitionKeys, IReadOnlyList<LogicalColumn> OrderKeys,
    WindowFrame Frame, IReadOnlyList<NamedWindowFunction> Functions) : LogicalPlan
{
    public override IReadOnlyList<LogicalColumn> Output => [.. Input.Output, .. Functions.Select(f => f.Column)];

    /// <summary>
    /// The input columns holding arguments that can raise, which a projection right below the window
    /// computes (QueryBinder.WindowArgumentsAboveSort). When one raises, the window still emits the
    /// rows PostgreSQL emits before it evaluates the raising row's arguments, so that the projection
    /// above the window sees them first (see WindowNode in PgFusion.Codegen).
    /// </summary>
    public IReadOnlyList<LogicalColumn> RaisingArguments { get; init; } = [];

    public override IReadOnlyList<LogicalPlan> Children => [Input];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Input = children[0] };

    public override IEnumerable<BoundExpr> Expressions =>
        [.. PartitionKeys.Select(k => (BoundExpr)new LogicalColumnRef(k)), .. OrderKeys.Select(k => (BoundExpr)new LogicalColumnRef(k)), .. Functions.SelectMany(f => f.Function.Args)];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map)
    {
        var functions = MapList(Functions, f =>
        {
            var args = f.Function.Args.Select(map).ToList();
            return args.Select((a, i) => ReferenceEquals(a, f.Function.Args[i])).All(same => same) ? f : f with { Function = f.Function.WithArgs(args) };
        });
        return ReferenceEquals(functions, Functions) ? this : this with { Functions = functions };
    }
}
