using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// A LATERAL SELECT-FROM-WHERE with ORDER BY and LIMIT/OFFSET: a row limit per outer row. Every
// outer row with the same correlation values gets the same rows, so the sub-query runs once for
// all of them: its rows (without NULL keys, which match no outer row) are sorted by the
// correlation keys and then its ORDER BY, and LogicalPartitionLimit keeps OFFSET/LIMIT rows of
// each run of equal keys (row_number() OVER (PARTITION BY keys ORDER BY ...) in (OFFSET, OFFSET +
// LIMIT]). The rows then join the FROM items on the correlation equalities like any LATERAL
// sub-query. Rows that tie on the ORDER BY are taken in an unspecified order, as in PostgreSQL.
public sealed partial class QueryBinder
{
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns, LateralApply? Apply) BindLateralTopN(QueryTreeNode sub, ExpressionBinder binder, List<BoundExpr> lateral)
    {
        string what = $"{LateralWhat} with LIMIT or OFFSET";
        var body = BindSubqueryBody(sub, binder, what, allowTopN: true);
        if (body.Correlations.Count == 0) throw UnsupportedConstructException.NotYet($"{what} that reads earlier FROM items outside its WHERE");
        var targets = sub.List("targetList").Where(t => !t.Bool("resjunk")).ToList();
        var outputs = body.Outputs.Select((e, i) => new NamedExpr(_ids.New(ResultName(targets[i]), e.Type), e)).ToList();
        var keys = Keys(body);
        var limited = PartitionTopN(body, outputs, keys, what);
        lateral.AddRange(body.Correlations.Select((c, i) => c.JoinCondition(keys[i].Column)));
        return (limited, [.. outputs.Select(o => o.Column)], null);
    }

    /// <summary>
    /// The rows of a correlated SELECT-FROM-WHERE with ORDER BY and LIMIT/OFFSET, <paramref name="outputs"/>
    /// and <paramref name="keys"/> (its correlation keys) projected over them, limited per key: rows
    /// with a NULL key (which match no outer row) dropped, sorted by the keys and then the ORDER BY,
    /// and OFFSET/LIMIT rows of each run of equal keys kept.
    /// </summary>
    private LogicalPlan PartitionTopN(SubqueryBody body, IReadOnlyList<NamedExpr> outputs, IReadOnlyList<NamedExpr> keys, string what)
    {
        var order = body.Order!;
        var sortColumns = order.Keys.Select(k => new NamedExpr(_ids.New("sort", k.Expr.Type), k.Expr)).ToList();
        var rows = new LogicalProject(body.Plan, [.. outputs, .. keys, .. sortColumns]);
        VerifyColumns(rows, $"{what} that reads the outer query outside its WHERE");
        var notNull = PredicateSimplification.Conjunction([.. keys.Select(k => (BoundExpr)new BoundNullTest(new LogicalColumnRef(k.Column), IsNotNull: true))]);
        var sorted = new LogicalSort(new LogicalFilter(rows, notNull),
        [
            .. keys.Select(k => new LogicalSortKey(new LogicalColumnRef(k.Column), Descending: false, NullsFirst: false)),
            .. order.Keys.Select((k, i) => k with { Expr = new LogicalColumnRef(sortColumns[i].Column) }),
        ]);
        var limited = new LogicalPartitionLimit(sorted, [.. keys.Select(k => k.Column)], order.Offset, order.Count);
        // LIMIT 0: PostgreSQL's Limit returns no row without reading its input (ExecLimit), so the
        // sub-query's WHERE never runs: a false one-time filter gates it (seed 503 case 3198).
        return order.Count == 0 ? new LogicalFilter(limited, new BoundConst(false, PgType.Bool)) : limited;
    }

    /// <summary>A sub-query's ORDER BY keys (bound over its rows) and its LIMIT/OFFSET.</summary>
    private TopN BindTopN(QueryTreeNode sub, ExpressionBinder binder)
    {
        var targetList = sub.List("targetList");
        var keys = new List<LogicalSortKey>();
        foreach (var clause in sub.List("sortClause"))
        {
            int i = TargetIndexFor(clause, targetList);
            var expr = binder.Bind(targetList[i].Field("expr"));
            bool descending = SortDescending(clause, targetList[i].Field("expr"), expr.Type.Oid);
            keys.Add(new LogicalSortKey(expr, descending, clause.Bool("nulls_first")));
        }
        long? count = ConstantCount(sub.Optional("limitCount"), "LIMIT", binder);
        long offset = ConstantCount(sub.Optional("limitOffset"), "OFFSET", binder) ?? 0;
        return new TopN(keys, offset, count);
    }
}
