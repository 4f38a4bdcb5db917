using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>An expression computed into a new column (projections, group keys).</summary>
public sealed record NamedExpr(LogicalColumn Column, BoundExpr Expr);
