using PgFusion.Types;

namespace PgFusion.Planner.Physical;

/// <summary>A column of an operator's output.</summary>
public sealed record OutputColumn(string Name, PgType Type);

/// <summary>
/// A physical operator. Expressions in a node refer to its child's output columns by index.
/// <see cref="EstimatedRows"/> is what EXPLAIN shows.
/// </summary>
public abstract record PhysicalPlan(IReadOnlyList<OutputColumn> Output, double EstimatedRows)
{
    public abstract IReadOnlyList<PhysicalPlan> Children { get; }
}
