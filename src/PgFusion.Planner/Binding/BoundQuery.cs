using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

/// <summary>The bound logical plan of a SELECT; its root's output is the result columns in order.</summary>
public sealed record BoundQuery(LogicalPlan Root, IReadOnlyList<LogicalColumn> ResultColumns);
