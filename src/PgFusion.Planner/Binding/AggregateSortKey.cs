namespace PgFusion.Planner.Binding;

/// <summary>One ORDER BY key inside an aggregate call (Aggref.aggorder): descending for the type's `&gt;` operator.</summary>
public sealed record AggregateSortKey(BoundExpr Expr, bool Descending, bool NullsFirst);
