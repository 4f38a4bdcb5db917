using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Physical;

/// <summary>
/// A window function of a <see cref="PhysicalWindow"/>: <paramref name="Args"/> are input column
/// indexes; <paramref name="Aggregate"/> (an aggregate used as a window function) reads them as
/// <see cref="BoundColumnRef"/>s.
/// </summary>
public sealed record PhysicalWindowFunction(WindowFunctionKind Kind, string Name, IReadOnlyList<int> Args, BoundAggregate? Aggregate, OutputColumn Output);

/// <summary>
/// The window functions of one window clause over an input sorted by the partition keys then the
/// order keys (input column indexes): see <see cref="LogicalWindow"/>. Outputs the input's columns
/// and one column per function, one row per input row.
/// </summary>
public sealed record PhysicalWindow(PhysicalPlan Input, IReadOnlyList<int> PartitionKeys, IReadOnlyList<int> OrderKeys, WindowFrame Frame,
    IReadOnlyList<PhysicalWindowFunction> Functions)
    : PhysicalPlan([.. Input.Output, .. Functions.Select(f => f.Output)], Input.EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [Input];

    /// <summary>Input column indexes of the arguments that can raise (<see cref="LogicalWindow.RaisingArguments"/>).</summary>
    public IReadOnlyList<int> RaisingArguments { get; init; } = [];
}
