namespace PgFusion.Planner.Logical;

/// <summary>One key of the sort PostgreSQL runs below a sorted aggregation (GroupAggregate).</summary>
public sealed record LogicalGroupSortKey(LogicalColumn Column, bool Descending, bool NullsFirst);
