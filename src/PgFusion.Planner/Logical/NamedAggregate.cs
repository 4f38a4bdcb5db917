using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>An aggregate computed into a new column.</summary>
public sealed record NamedAggregate(LogicalColumn Column, BoundAggregate Aggregate);
