using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// GROUPING SETS / ROLLUP / CUBE and GROUPING(): one aggregate per grouping set over the same input,
// each projected to the full layout (keys outside the set are NULL, GROUPING() values are constants),
// then UNION ALL. The rows PostgreSQL returns for a grouping set are exactly that set's groups.
public sealed partial class QueryBinder
{
    /// <summary>GroupingSet.kind (PostgreSQL's GroupingSetKind).</summary>
    private const int GroupingSetEmpty = 0;
    private const int GroupingSetSimple = 1;
    private const int GroupingSetRollup = 2;
    private const int GroupingSetCube = 3;
    private const int GroupingSetSets = 4;

    /// <summary>Beyond this many expanded sets the query falls back (PostgreSQL allows 4096).</summary>
    private const int MaxGroupingSets = 64;

    /// <summary>A GROUPING(...) call: its output column and the sortgrouprefs of its arguments, first argument most significant.</summary>
    private sealed record GroupingCall(LogicalColumn Column, IReadOnlyList<int> Refs);

    private static bool UsesGroupingSets(QueryTreeNode query) => query.List("groupingSets").Count > 0;

    private BoundExpr BindGroupingFunc(QueryTreeNode node, List<GroupingCall> calls)
    {
        if (node.Optional("agglevelsup")?.Int32() is { } up && up != 0) throw UnsupportedConstructException.NotYet("GROUPING() of an outer query");
        var refs = node.List("refs").Select(r => r.Int32()).ToList();
        if (refs.Count > 31) throw UnsupportedConstructException.NotYet("GROUPING() with more than 31 arguments");
        var column = _ids.New("grouping", PgType.Int4);
        calls.Add(new GroupingCall(column, refs));
        return new LogicalColumnRef(column);
    }

    /// <summary>The grouping sets as lists of sortgrouprefs: the cross product of the GROUP BY items' expansions.</summary>
    private static List<List<int>> ExpandGroupingSets(QueryTreeNode query)
    {
        var items = query.List("groupingSets");
        if (items.Count == 0) return [[.. query.List("groupClause").Select(c => c.Int32("tleSortGroupRef"))]];
        List<List<int>> result = [[]];
        foreach (var item in items)
        {
            var expansion = Expand(item);
            result = [.. result.SelectMany(r => expansion.Select(e => r.Concat(e).ToList()))];
            if (result.Count > MaxGroupingSets) throw UnsupportedConstructException.NotYet($"more than {MaxGroupingSets} grouping sets");
        }
        // GROUP BY DISTINCT drops repeated sets (equal as sets of columns), keeping the first.
        if (query.Optional("groupDistinct")?.Bool() == true)
        {
            var seen = new HashSet<string>();
            result = [.. result.Where(set => seen.Add(string.Join(",", set.Distinct().Order())))];
        }
        return result;
    }

    private static List<List<int>> Expand(QueryTreeNode set)
    {
        if (set.RequireKind() != "GROUPINGSET") throw set.Error($"expected GROUPINGSET, found {set.Kind}");
        var content = set.Optional("content")?.Items() ?? [];
        switch (set.Int32("kind"))
        {
            case GroupingSetEmpty:
                return [[]];
            case GroupingSetSimple:
                return [[.. content.Select(c => c.Int32())]];
            case GroupingSetRollup:
            {
                var parts = content.Select(Simple).ToList();
                var sets = new List<List<int>>();
                for (int n = parts.Count; n >= 0; n--) sets.Add([.. parts.Take(n).SelectMany(p => p)]);
                return sets;
            }
            case GroupingSetCube:
            {
                var parts = content.Select(Simple).ToList();
                if (parts.Count > 6) throw UnsupportedConstructException.NotYet($"CUBE of {parts.Count} elements");
                var sets = new List<List<int>>();
                for (int mask = (1 << parts.Count) - 1; mask >= 0; mask--)
                    sets.Add([.. parts.Where((_, i) => (mask & (1 << (parts.Count - 1 - i))) != 0).SelectMany(p => p)]);
                return sets;
            }
            case GroupingSetSets:
                return [.. content.SelectMany(Expand)];
            default:
                throw set.Field("kind").Error($"unknown grouping set kind {set.Int32("kind")}");
        }
    }

    /// <summary>
    /// PostgreSQL computes the key expressions of every grouping set below its Agg (the grouping
    /// input target, make_group_input_target), for each row before the Agg evaluates the row's
    /// aggregate arguments (before any of them when it sorts). A branch computes only its own set's
    /// keys, so a key only another set holds would raise after the first branch's arguments: a
    /// projection below all branches computes every key (and passes on the columns the aggregates
    /// read), and it keeps every key (<see cref="LogicalProject.KeepAll"/>) though each branch reads some.
    /// </summary>
    private (LogicalPlan Input, IReadOnlyList<NamedExpr> Keys, IReadOnlyList<NamedAggregate> Aggregates) ComputeKeysBelow(
        LogicalPlan input, IReadOnlyList<NamedExpr> keys, IReadOnlyList<NamedAggregate> aggregates)
    {
        var reads = new LogicalAggregate(input, [], aggregates);
        var passed = new Dictionary<int, LogicalColumn>();
        var exprs = new List<NamedExpr>();
        var inputColumns = input.Output.Select(c => c.Id).ToHashSet();
        foreach (var column in reads.Expressions.SelectMany(e => e.ReferencedColumns()))
        {
            // an outer query's column (a correlation) is no input column: the aggregate reads it as before
            if (passed.ContainsKey(column.Id) || !inputColumns.Contains(column.Id)) continue;
            passed[column.Id] = _ids.New(column.Name, column.Type);
            exprs.Add(new NamedExpr(passed[column.Id], new LogicalColumnRef(column)));
        }
        var projectedKeys = new List<NamedExpr>();
        foreach (var key in keys)
        {
            var computed = new NamedExpr(_ids.New(key.Column.Name, key.Column.Type), key.Expr);
            exprs.Add(computed);
            projectedKeys.Add(key with { Expr = new LogicalColumnRef(computed.Column) });
        }
        var rewritten = (LogicalAggregate)reads.MapExpressions(e => e.TransformDown(x =>
            x is LogicalColumnRef r && passed.TryGetValue(r.Column.Id, out var to) ? new LogicalColumnRef(to) : x));
        // nothing may read an input column past the projection (it passes on renamed copies only)
        if (rewritten.Expressions.SelectMany(e => e.ReferencedColumns()).Any(c => inputColumns.Contains(c.Id))) return (input, keys, aggregates);
        return (new LogicalProject(input, exprs) { KeepAll = true }, projectedKeys, rewritten.Aggregates);
    }

    /// <summary>
    /// The input of a grouping set's aggregate, sorted as PostgreSQL feeds it that set's rows when
    /// it aggregates sorted (an ordered aggregate rules out hashing): in its phase's sort order, so
    /// that transitions whose errors depend on the order of their rows raise as in PostgreSQL (a
    /// float sum overflows only when finite values reach Infinity: 1e308 + 1e308 raises, Infinity
    /// then 1e308 does not; seed 359 case 498, the empty set of a ROLLUP fed in the rollup's order).
    /// The input as it is otherwise.
    /// </summary>
    private static LogicalPlan SortedForPhase(LogicalPlan input, IReadOnlyList<int> set, IReadOnlyList<NamedExpr> keys,
        IReadOnlyList<NamedAggregate> aggregates, IReadOnlyList<(List<LogicalGroupSortKey> Order, List<HashSet<int>> Sets)> phases)
    {
        if (!aggregates.Any(a => a.Aggregate.Distinct || a.Aggregate.OrderBy is { Count: > 0 })) return input;
        var refs = set.ToHashSet();
        foreach (var (order, sets) in phases)
        {
            if (!sets.Any(s => s.SetEquals(refs))) continue;
            if (order.Count == 0) return input;
            var sortKeys = new List<LogicalSortKey>();
            foreach (var o in order)
            {
                if (keys.FirstOrDefault(k => k.Column == o.Column) is not { } key) return input;
                sortKeys.Add(new LogicalSortKey(key.Expr, o.Descending, o.NullsFirst));
            }
            return new LogicalSort(input, sortKeys);
        }
        return input;
    }

    /// <summary>
    /// A GROUP BY item's grouping sets in expand_groupingset_node's order (parse_agg.c), which
    /// <see cref="SortedGroupingSets"/> starts from: a CUBE counts up its bit mask (the first element
    /// the lowest bit), a ROLLUP goes from all its elements down to none.
    /// </summary>
    private static List<List<int>> ExpandAsPostgres(QueryTreeNode set)
    {
        if (set.RequireKind() != "GROUPINGSET") throw set.Error($"expected GROUPINGSET, found {set.Kind}");
        var content = set.Optional("content")?.Items() ?? [];
        switch (set.Int32("kind"))
        {
            case GroupingSetCube:
            {
                var parts = content.Select(Simple).ToList();
                if (parts.Count > 6) throw UnsupportedConstructException.NotYet($"CUBE of {parts.Count} elements");
                var sets = new List<List<int>>();
                for (int mask = 0; mask < 1 << parts.Count; mask++)
                    sets.Add([.. parts.Where((_, i) => (mask & (1 << i)) != 0).SelectMany(p => p)]);
                return sets;
            }
            case GroupingSetSets:
                return [.. content.SelectMany(ExpandAsPostgres)];
            default:
                return Expand(set);
        }
    }

    /// <summary><paramref name="order"/> over a grouping set's own key columns; null when the set lacks one of its keys.</summary>
    private static List<LogicalGroupSortKey>? SetSortOrder(IReadOnlyList<LogicalGroupSortKey> order, IReadOnlyList<NamedExpr> keys, IReadOnlyList<(int Index, NamedExpr Named)> setKeys)
    {
        if (order.Count == 0) return null;
        var mapped = new List<LogicalGroupSortKey>(order.Count);
        foreach (var key in order)
        {
            int index = -1;
            for (int i = 0; i < keys.Count && index < 0; i++)
                if (keys[i].Column == key.Column) index = i;
            if (setKeys.FirstOrDefault(s => s.Index == index).Named is not { } own) return null;
            mapped.Add(key with { Column = own.Column });
        }
        return mapped;
    }

    private static List<int> Simple(QueryTreeNode node) =>
        node.RequireKind() == "GROUPINGSET" && node.Int32("kind") == GroupingSetSimple
            ? [.. (node.Optional("content")?.Items() ?? []).Select(c => c.Int32())]
            : throw node.Error($"expected a simple grouping set inside ROLLUP/CUBE, found {node.Kind}");

    /// <summary>
    /// The aggregate for grouped queries with grouping sets or GROUPING(): output is the group keys,
    /// the aggregates and the GROUPING() columns, with the ids the rest of the query reads.
    /// <paramref name="phases"/> (<see cref="GroupingSetPhases"/>): the first one's sort is the one
    /// sorted grouping sets read their input in first: the first branch evaluates its aggregate arguments first and
    /// gets it as its <see cref="LogicalAggregate.SortedGrouping"/> when its set holds every key of
    /// that sort (a ROLLUP's or CUBE's first set is the full one), so that of two raising rows the
    /// one PostgreSQL sorts first raises (SortedGroupingErrors).
    /// </summary>
    private LogicalPlan BuildGroupingSets(QueryTreeNode query, LogicalPlan input, IReadOnlyList<NamedExpr> keys, int sortGroupKeys,
        IReadOnlyList<NamedAggregate> aggregates, IReadOnlyList<GroupingCall> calls, IReadOnlyDictionary<int, LogicalColumn> keyByRef,
        IReadOnlyList<(List<LogicalGroupSortKey> Order, List<HashSet<int>> Sets)> phases)
    {
        IReadOnlyList<LogicalGroupSortKey> rollupOrder = phases.Count > 0 ? phases[0].Order : [];
        if (keys.Count != sortGroupKeys) throw UnsupportedConstructException.NotYet("grouping sets with columns functionally dependent on a primary key");
        if (keys.Any(k => k.Expr is not LogicalColumnRef)) (input, keys, aggregates) = ComputeKeysBelow(input, keys, aggregates);
        var keyOfRef = new Dictionary<int, int>();
        foreach (var clause in query.List("groupClause"))
        {
            int sortGroupRef = clause.Int32("tleSortGroupRef");
            // The key BindGroupKeys bound for this clause (its own, under grouping sets).
            int index = -1;
            if (keyByRef.TryGetValue(sortGroupRef, out var column))
                for (int i = 0; i < keys.Count && index < 0; i++)
                    if (keys[i].Column == column) index = i;
            keyOfRef[sortGroupRef] = index >= 0 ? index : throw clause.Error($"no group key for sortgroupref {sortGroupRef}");
        }
        var output = keys.Select(k => k.Column).Concat(aggregates.Select(a => a.Column)).Concat(calls.Select(c => c.Column)).ToList();
        var branches = new List<LogicalPlan>();
        var sets = ExpandGroupingSets(query);
        // The first branch evaluates the aggregate arguments first: one whose set holds every key of
        // PostgreSQL's first sort (GROUPING SETS ((a, b), (c)) sorts on c first), as PostgreSQL's
        // first phase also returns its groups first.
        var sortKeys = rollupOrder.Select(o => keys.ToList().FindIndex(k => k.Column == o.Column)).ToList();
        int lead = sets.FindIndex(set => sortKeys.All(k => k >= 0 && set.Any(r => keyOfRef.TryGetValue(r, out int i) && i == k)));
        if (lead > 0)
        {
            var moved = sets[lead];
            sets.RemoveAt(lead);
            sets.Insert(0, moved);
        }
        foreach (var set in sets)
        {
            var inSet = set.Select(r => keyOfRef.TryGetValue(r, out int k) ? k : throw new QueryJsonException("$.query.groupingSets", $"grouping set names sortgroupref {r} that GROUP BY lacks")).ToHashSet();
            var setKeys = keys.Select((k, i) => (k, i)).Where(x => inSet.Contains(x.i)).Select(x => (x.i, Named: new NamedExpr(_ids.New(x.k.Column.Name, x.k.Column.Type), x.k.Expr))).ToList();
            var setAggs = aggregates.Select(a => new NamedAggregate(_ids.New(a.Column.Name, a.Column.Type), a.Aggregate)).ToList();
            var aggregate = new LogicalAggregate(SortedForPhase(input, set, keys, aggregates, phases), [.. setKeys.Select(s => s.Named)], setAggs)
            {
                SortedGrouping = branches.Count == 0 ? SetSortOrder(rollupOrder, keys, setKeys) : null,
            };
            var exprs = new List<NamedExpr>();
            for (int i = 0; i < keys.Count; i++)
            {
                var match = setKeys.Where(s => s.i == i).Select(s => s.Named).FirstOrDefault();
                BoundExpr e = match is null ? new BoundConst(null, keys[i].Column.Type) : new LogicalColumnRef(match.Column);
                exprs.Add(new NamedExpr(_ids.New(keys[i].Column.Name, keys[i].Column.Type), e));
            }
            foreach (var a in setAggs) exprs.Add(new NamedExpr(_ids.New(a.Column.Name, a.Column.Type), new LogicalColumnRef(a.Column)));
            foreach (var call in calls)
            {
                int value = 0;
                foreach (int r in call.Refs) value = (value << 1) | (keyOfRef.TryGetValue(r, out int k) && inSet.Contains(k) ? 0 : 1);
                exprs.Add(new NamedExpr(_ids.New(call.Column.Name, PgType.Int4), new BoundConst(value, PgType.Int4)));
            }
            branches.Add(new LogicalProject(aggregate, exprs));
        }
        return new LogicalUnionAll(branches, output);
    }
}
