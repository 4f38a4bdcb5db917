using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// A sub-query in FROM that aggregates without grouping and whose columns the query never reads:
// PostgreSQL never reads its input. Its planner replaces the unread outputs by NULLs
// (remove_unused_subquery_outputs); with no aggregate left, the MIN/MAX optimisation of a
// one-table aggregate (preprocess_minmax_aggregates) plans a Result of one row without a scan. So
// its WHERE never runs and cannot raise: `SELECT count(*) FROM a, LATERAL (SELECT max(b.x / 0)
// FROM b WHERE b.id = a.id) s` returns a's row count. PgFusion binds such a sub-query (so that
// anything it cannot run still falls back) and then uses one row of NULLs in its place.
public sealed partial class QueryBinder
{
    private FromItem? UnreadAggregateRow(int rti, QueryTreeNode rte, BindScope scope, ExpressionBinder binder)
    {
        if (scope.Query is not { } level) return null;
        var sub = rte.Field("subquery");
        if (!IsUngroupedOneTableAggregate(sub) || ReadsRangeEntry(level, rti)) return null;
        // Bind it as usual, into throwaway conditions: what cannot run stays Unsupported. PostgreSQL
        // still plans it, folding its WHERE (whose constant parts may raise): those conditions are
        // kept to be folded only.
        var discarded = new List<BoundExpr>();
        IReadOnlyList<LogicalColumn> columns;
        LogicalPlan plan;
        if (rte.Optional("lateral")?.Bool() == true && ReadsOuter(sub.Element, 0))
            (plan, columns, _) = BindLateral(sub, binder, discarded);
        else if (binder.Outer is not null && ReadsOuter(sub.Element, 0))
            (plan, columns) = BindDerivedCorrelated(sub, binder, discarded);
        else
            (plan, columns) = BindQuery(sub) is var bound ? (bound.Root, bound.ResultColumns) : default;
        _planTimeOnly.AddRange(FilterConditions(plan));
        _planTimeOnly.AddRange(discarded);
        scope.SetSubquery(rti, columns);
        var row = new LogicalProject(new LogicalOneRow(), [.. columns.Select(c => new NamedExpr(c, new BoundConst(null, c.Type)))]);
        return new FromItem(_ => row);
    }

    /// <summary>
    /// PostgreSQL's conditions for planning the sub-query as one row once its outputs are unread:
    /// aggregates, no GROUP BY / grouping sets / HAVING / window functions / DISTINCT / ORDER BY /
    /// LIMIT / OFFSET / set-returning functions / set operations / CTEs / sub-links (PostgreSQL would
    /// pull an IN up into a join), and one plain table in FROM.
    /// </summary>
    private static bool IsUngroupedOneTableAggregate(QueryTreeNode sub)
    {
        if (!sub.Bool("hasAggs") || sub.Bool("hasWindowFuncs") || sub.Bool("hasTargetSRFs") || sub.Bool("hasSubLinks")) return false;
        foreach (var field in new[] { "groupClause", "groupingSets", "havingQual", "distinctClause", "sortClause", "limitCount", "limitOffset", "setOperations", "cteList" })
            if (!IsEmpty(sub.Optional(field))) return false;
        var from = sub.Field("jointree").List("fromlist");
        if (from.Count != 1 || from[0].Kind != "RANGETBLREF") return false;
        var rangeTable = sub.List("rtable");
        int index = from[0].Int32("rtindex");
        return index >= 1 && index <= rangeTable.Count && rangeTable[index - 1].Int32("rtekind") == RteKind.Relation;
    }

    /// <summary>The predicates of every filter in <paramref name="plan"/>, from the bottom up.</summary>
    private static IEnumerable<BoundExpr> FilterConditions(LogicalPlan plan) =>
        plan.Children.SelectMany(FilterConditions).Concat(plan is LogicalFilter f ? [f.Predicate] : []);

    private static bool IsEmpty(QueryTreeNode? node) =>
        node is not { } n || n.Element.ValueKind == System.Text.Json.JsonValueKind.Null
        || (n.Element.ValueKind == System.Text.Json.JsonValueKind.Array && n.Element.GetArrayLength() == 0);

    /// <summary>
    /// Whether query level <paramref name="level"/> reads range entry <paramref name="rti"/>
    /// anywhere: a VAR of it at this level (varlevelsup counting the levels below), also through a
    /// JOIN alias whose columns are its columns. The join alias lists themselves are not reads.
    /// </summary>
    private static bool ReadsRangeEntry(QueryTreeNode level, int rti)
    {
        var rangeTable = level.List("rtable");
        var readers = new HashSet<int> { rti };
        for (int i = 0; i < rangeTable.Count; i++)
            if (rangeTable[i].Int32("rtekind") == RteKind.Join && rangeTable[i].Optional("joinaliasvars") is { } aliases && AnyVar(aliases.Element, 0, (var, up, depth) => up == depth && Varno(var) == rti))
                readers.Add(i + 1);
        // the level's own QUERY node raises the depth to 0
        return AnyVar(level.Element, -1, (var, up, depth) => up == depth && readers.Contains(Varno(var)), skip: "joinaliasvars");
    }

    private static int Varno(QueryJsonValue var) => var.TryGetProperty("varno", out var varno) ? varno.GetInt32() : 0;
}
