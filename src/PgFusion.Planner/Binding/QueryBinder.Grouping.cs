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
    /// The group keys in the order of PostgreSQL's Agg input target list (planner.c
    /// make_group_input_target: the grouping target entries in target-list order), each with its
    /// expression after sub-query pull-up.
    /// </summary>
    private List<(NamedExpr Key, BoundExpr Resolved)> GroupingInputOrder(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList,
        IReadOnlyDictionary<int, LogicalColumn> keyByRef, IReadOnlyList<NamedExpr> keys)
    {
        var grouped = query.List("groupClause").Select(c => c.Int32("tleSortGroupRef")).ToHashSet();
        var order = new List<(NamedExpr, BoundExpr)>();
        foreach (var tle in targetList)
        {
            int r = tle.Int32("ressortgroupref");
            if (r == 0 || !grouped.Contains(r) || !keyByRef.TryGetValue(r, out var column)) continue;
            var key = keys.First(k => k.Column.Id == column.Id);
            if (order.Exists(o => ReferenceEquals(o.Item1, key))) continue;
            order.Add((key, ResolvePulledUpVars(key.Expr)));
        }
        return order;
    }

    private BoundExpr ResolvePulledUpVars(BoundExpr expr) =>
        expr.TransformUp(e =>
        {
            if (e is not LogicalColumnRef r) return e;
            var column = r.Column;
            while (_pulledUpVars.TryGetValue(column.Id, out var inner)) column = inner;
            return column.Id == r.Column.Id ? e : new LogicalColumnRef(column);
        });

    /// <summary>
    /// Under grouping sets, an expression that is no grouping target entry reads the group keys as
    /// PostgreSQL's set_upper_references / fix_upper_expr does: a (sub)expression equal, after
    /// sub-query pull-up, to several grouping columns is the FIRST of them in the Agg's input
    /// target list, so it is nulled with that one (seed 241 case 194: a pulled-up sub-query's x1
    /// and x3 are the same Var).
    /// </summary>
    private BoundExpr ReplaceGroupKeysAfterPullUp(BoundExpr expr, IReadOnlyList<(NamedExpr Key, BoundExpr Resolved)> inputOrder) =>
        expr.TransformDown(e =>
        {
            if (e is BoundConst) return e;
            var resolved = ResolvePulledUpVars(e);
            foreach (var (key, keyResolved) in inputOrder)
                if (BoundExprComparer.Instance.Equals(keyResolved, resolved))
                    return new LogicalColumnRef(key.Column);
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
