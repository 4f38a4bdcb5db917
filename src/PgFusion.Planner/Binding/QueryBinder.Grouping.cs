using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// GROUP BY: keys from groupClause; target-list and HAVING expressions are rewritten to read the
// aggregate's output (group keys and aggregates) instead of its input.
public sealed partial class QueryBinder
{
    private List<NamedExpr> BindGroupKeys(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList, ExpressionBinder binder, Dictionary<int, LogicalColumn>? keyByRef = null)
    {
        var keys = new List<NamedExpr>();
        foreach (var clause in query.List("groupClause"))
        {
            var tle = TargetEntryFor(clause, targetList);
            var expr = binder.Bind(tle.Field("expr"));
            var key = keys.Find(k => BoundExprComparer.Instance.Equals(k.Expr, expr));
            if (key is null)
            {
                key = new NamedExpr(_ids.New(ResultName(tle), expr.Type), expr);
                keys.Add(key);
            }
            keyByRef?.TryAdd(clause.Int32("tleSortGroupRef"), key.Column);
        }
        return keys;
    }

    /// <summary>
    /// PostgreSQL lets a grouped query read other columns of a table grouped by its primary key.
    /// Adding those columns as group keys changes no group, and gives the aggregate's output a column for them.
    /// </summary>
    private void AddFunctionallyDependentKeys(List<NamedExpr> keys, AggregateCollector aggregates, IEnumerable<BoundExpr> exprs, IEnumerable<LogicalColumn> joinedAbove)
    {
        // joinedAbove: scalar subqueries joined after the aggregate, whose columns are no keys.
        var available = keys.Select(k => k.Column.Id).Concat(aggregates.Aggregates.Select(a => a.Column.Id)).Concat(joinedAbove.Select(c => c.Id)).ToHashSet();
        foreach (var expr in exprs)
        {
            foreach (var column in ReplaceGroupKeys(expr, keys).ReferencedColumns())
            {
                if (available.Contains(column.Id)) continue;
                var key = new NamedExpr(_ids.New(column.Name, column.Type), new LogicalColumnRef(column));
                keys.Add(key);
                available.Add(column.Id);
                available.Add(key.Column.Id);
            }
        }
    }

    private static BoundExpr ReplaceGroupKeys(BoundExpr expr, IReadOnlyList<NamedExpr> keys) =>
        expr.TransformDown(e =>
        {
            foreach (var k in keys)
                if (BoundExprComparer.Instance.Equals(k.Expr, e))
                    return new LogicalColumnRef(k.Column);
            return e;
        });

    /// <summary>
    /// The group key a target entry is (by its ressortgroupref, <paramref name="keyByRef"/> from
    /// BindGroupKeys), when its expression holds a sub-query: binding it again would join the
    /// sub-query a second time, and the select-list copy, reading other columns than the key's,
    /// would not match the key (its columns would then be grouped on as well: seed 707 case 18).
    /// PostgreSQL's target entry is the group key itself. Not under grouping sets.
    /// </summary>
    private static LogicalColumn? GroupKeyHoldingSubLink(QueryTreeNode query, QueryTreeNode tle, IReadOnlyDictionary<int, LogicalColumn> keyByRef)
    {
        int sortGroupRef = tle.Int32("ressortgroupref");
        if (sortGroupRef == 0 || UsesGroupingSets(query) || !Contains(tle.Field("expr").Element, "SUBLINK")) return null;
        return keyByRef.TryGetValue(sortGroupRef, out var key) ? key : null;
    }

    private static QueryTreeNode TargetEntryFor(QueryTreeNode clause, IReadOnlyList<QueryTreeNode> targetList)
    {
        if (clause.RequireKind() != "SORTGROUPCLAUSE") throw clause.Error($"expected SORTGROUPCLAUSE, found {clause.Kind}");
        int sortGroupRef = clause.Int32("tleSortGroupRef");
        foreach (var tle in targetList)
            if (tle.Int32("ressortgroupref") == sortGroupRef)
                return tle;
        throw clause.Field("tleSortGroupRef").Error($"no target entry has ressortgroupref {sortGroupRef}");
    }

    private static int TargetIndexFor(QueryTreeNode clause, IReadOnlyList<QueryTreeNode> targetList)
    {
        if (clause.RequireKind() != "SORTGROUPCLAUSE") throw clause.Error($"expected SORTGROUPCLAUSE, found {clause.Kind}");
        int sortGroupRef = clause.Int32("tleSortGroupRef");
        for (int i = 0; i < targetList.Count; i++)
            if (targetList[i].Int32("ressortgroupref") == sortGroupRef)
                return i;
        throw clause.Field("tleSortGroupRef").Error($"no target entry has ressortgroupref {sortGroupRef}");
    }
}
