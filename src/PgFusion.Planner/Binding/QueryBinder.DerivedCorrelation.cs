using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// A subquery in FROM (not LATERAL) of a correlated subquery that reads the enclosing query, as in
// (SELECT sum(v) FROM (SELECT x AS v FROM t2 WHERE t2.k = t1.k) d) or
// LATERAL (SELECT sum(v) FROM (SELECT ... WHERE t2.k = t1.k ORDER BY y LIMIT 3) d). It is bound like
// a LATERAL sub-query whose outer query is the enclosing one: its correlation equalities
// inner = outer take their inner expressions out as further outputs (further GROUP BY or DISTINCT
// keys, a LIMIT per key), so it runs once for every key; the equalities key = outer then join the
// WHERE of the level holding it (ExpressionBinder.LiftedCorrelations), where they are that level's
// own correlations and decorrelate with it. For one outer value v, the rows the derived table gives
// for key v are exactly those it gives when evaluated for v, so filtering by key = v is exact. Aggregates
// without GROUP BY (one row per outer value, even without rows) cannot be filtered that way: Unsupported.
public sealed partial class QueryBinder
{
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns) BindDerivedCorrelated(Json.QueryTreeNode sub, ExpressionBinder binder, List<BoundExpr> lateral)
    {
        const string what = "subquery in FROM that reads an enclosing query";
        if (!IsPlainSelect(sub) && !IsPlainSelectWithTopN(sub))
        {
            bool ungrouped = sub.List("groupClause").Count == 0 && sub.List("groupingSets").Count == 0;
            if (ungrouped && sub.Bool("hasAggs")) throw UnsupportedConstructException.NotYet($"{what} with aggregates and no GROUP BY (one row for every outer row)");
        }
        var conditions = new List<BoundExpr>();
        var (plan, columns, apply) = BindLateral(sub, binder, conditions, what);
        if (apply is not null) throw UnsupportedConstructException.NotYet($"{what} with aggregates and no GROUP BY (one row for every outer row)");
        lateral.AddRange(conditions);
        return (plan, columns);
    }
}
