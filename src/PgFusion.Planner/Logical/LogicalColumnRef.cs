using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// A reference to a logical column by id. Exists only in logical plans: physical lowering replaces
/// it with <see cref="BoundColumnRef"/> (a position in the child's output), so Codegen never sees it.
/// </summary>
public sealed record LogicalColumnRef(LogicalColumn Column) : BoundExpr(Column.Type);
