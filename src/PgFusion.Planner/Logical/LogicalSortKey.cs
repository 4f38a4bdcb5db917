using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>One ORDER BY key: descending when the sort operator is the type's `&gt;`; NULLS FIRST as SortGroupClause.nulls_first.</summary>
public sealed record LogicalSortKey(BoundExpr Expr, bool Descending, bool NullsFirst);
