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
            // Under grouping sets two GROUP BY items with one expression are two keys: a set may hold
            // one of them and not the other (PostgreSQL keeps them apart by sortgroupref).
            var key = UsesGroupingSets(query) ? null : keys.Find(k => BoundExprComparer.Instance.Equals(k.Expr, expr));
            if (key is null)
            {
                key = new NamedExpr(_ids.New(ResultName(tle), expr.Type), expr);
                keys.Add(key);
            }
            keyByRef?.TryAdd(clause.Int32("tleSortGroupRef"), key.Column);
        }
        return keys;
    }

    /// <summary>The key of a target entry that is itself a GROUP BY item, or null.</summary>
    private static LogicalColumn? OwnGroupKey(QueryTreeNode tle, IReadOnlyDictionary<int, LogicalColumn> keyByRef) =>
        tle.Int32("ressortgroupref") is var r && r != 0 && keyByRef.TryGetValue(r, out var key) ? key : null;

    /// <summary>
    /// The order of the sort PostgreSQL puts below a sorted aggregation: its groupClause, reordered
    /// by preprocess_groupclause to start with the ORDER BY when the ORDER BY's items are a prefix
    /// of it (the parser gave a GROUP BY item that is also an ORDER BY item the ORDER BY's operator
    /// and NULLS order), each key by its sort operator and nulls_first. Empty when a key's order is
    /// not a plain &lt; or &gt; in byte order.
    /// </summary>
    private List<LogicalGroupSortKey> GroupingSortOrder(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList, IReadOnlyDictionary<int, LogicalColumn> keyByRef)
    {
        var order = new List<LogicalGroupSortKey>();
        foreach (var clause in PreprocessGroupClause(query.List("groupClause"), query.List("sortClause")))
        {
            if (SortKeyOf(clause, targetList, keyByRef) is not { } key) return [];
            order.Add(key);
        }
        return order;
    }

    /// <summary>
    /// The phases of PostgreSQL's sorted grouping sets (<see cref="SortedGroupingSets"/>), first
    /// first: each phase's sort and its sets (as sortgrouprefs). The top GroupAggregate computes the
    /// first rollup's sets in one pass over the input sorted for it, evaluating the aggregate
    /// arguments in that order (seed 337 case 1322 for one ROLLUP); the other rollups read the rows
    /// again from chained sorts. Each key by its groupClause operator and nulls_first
    /// (preprocess_groupclause forces the rollup's order). Empty when a group clause has no sort
    /// operator (PostgreSQL then hashes those sets) or a key's order is not a plain &lt; or &gt; in
    /// byte order.
    /// </summary>
    private List<(List<LogicalGroupSortKey> Order, List<HashSet<int>> Sets)> GroupingSetPhases(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList, IReadOnlyDictionary<int, LogicalColumn> keyByRef)
    {
        var groupClause = query.List("groupClause");
        if (groupClause.Count == 0 || groupClause.Any(c => c.UInt32("sortop") == 0)) return [];
        var expanded = new List<IReadOnlyList<int>> { Array.Empty<int>() };
        foreach (var item in query.List("groupingSets"))
        {
            var expansion = ExpandAsPostgres(item);
            expanded = [.. expanded.SelectMany(r => expansion.Select(e => (IReadOnlyList<int>)[.. r, .. e]))];
            if (expanded.Count > MaxGroupingSets) return [];
        }
        var sortClause = query.List("sortClause").Select(c => c.Int32("tleSortGroupRef")).ToList();
        var phases = new List<(List<LogicalGroupSortKey> Order, List<HashSet<int>> Sets)>();
        foreach (var (refs, sets) in SortedGroupingSets.Phases(expanded, query.Optional("groupDistinct")?.Bool() == true, sortClause))
        {
            var order = new List<LogicalGroupSortKey>();
            var seen = new HashSet<int>();
            foreach (int sortGroupRef in refs)
            {
                // ROLLUP (c, c): both items name one sortgroupref, and sorting on c twice is sorting
                // on c (seed 419 case 27: giving up here left the arguments in scan order).
                if (!seen.Add(sortGroupRef)) continue;
                var clauses = groupClause.Where(c => c.Int32("tleSortGroupRef") == sortGroupRef).ToList();
                if (clauses.Count == 0 || SortKeyOf(clauses[0], targetList, keyByRef) is not { } key) return [];
                order.Add(key);
            }
            phases.Add((order, [.. sets.Select(set => set.ToHashSet())]));
        }
        return phases;
    }

    /// <summary>A group clause's sort key (its operator's direction, nulls_first); null when the order is not a plain &lt; or &gt; in byte order.</summary>
    private LogicalGroupSortKey? SortKeyOf(QueryTreeNode clause, IReadOnlyList<QueryTreeNode> targetList, IReadOnlyDictionary<int, LogicalColumn> keyByRef)
    {
        if (!keyByRef.TryGetValue(clause.Int32("tleSortGroupRef"), out var column)) return null;
        if (!_envelope.Catalog.Operators.TryGetValue(clause.UInt32("sortop"), out var op) || op.Name is not ("<" or ">")) return null;
        var expr = TargetEntryFor(clause, targetList).Field("expr");
        if (SupportedTypes.IsCollatable(column.Type.Oid) && !_envelope.Locale.OrdersByBytes(ExpressionCollation(expr))) return null;
        return new LogicalGroupSortKey(column, op.Name == ">", clause.Bool("nulls_first"));
    }

    /// <summary>
    /// preprocess_groupclause (planner.c): the GROUP BY items equal to the ORDER BY's items, in
    /// ORDER BY order, then the other GROUP BY items, when the ORDER BY is a prefix of the GROUP BY
    /// (all of its items match); otherwise the GROUP BY as written.
    /// </summary>
    private static List<QueryTreeNode> PreprocessGroupClause(IReadOnlyList<QueryTreeNode> group, IReadOnlyList<QueryTreeNode> sort)
    {
        var reordered = new List<int>();
        bool partial = false;
        foreach (var sc in sort)
        {
            int match = -1;
            for (int g = 0; g < group.Count && match < 0; g++)
                if (!reordered.Contains(g) && SameSortGroupClause(group[g], sc)) match = g;
            if (match < 0)
            {
                partial = true;
                break;
            }
            reordered.Add(match);
        }
        if (reordered.Count == 0) return [.. group];
        for (int g = 0; g < group.Count; g++)
        {
            if (reordered.Contains(g)) continue;
            if (partial) return [.. group];
            reordered.Add(g);
        }
        return [.. reordered.Select(g => group[g])];
    }

    private static bool SameSortGroupClause(QueryTreeNode a, QueryTreeNode b) =>
        a.Int32("tleSortGroupRef") == b.Int32("tleSortGroupRef") && a.UInt32("eqop") == b.UInt32("eqop") && a.UInt32("sortop") == b.UInt32("sortop")
        && a.Bool("nulls_first") == b.Bool("nulls_first") && a.Bool("hashable") == b.Bool("hashable");

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
