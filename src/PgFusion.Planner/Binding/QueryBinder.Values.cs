using System.Text.Json;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// SELECT without FROM and VALUES lists in FROM. Both read PostgreSQL's one-row Result: a SELECT
// without FROM binds its select list (and WHERE, aggregates, subqueries) over LogicalOneRow; a
// VALUES list is UNION ALL of one projection over LogicalOneRow per row. The parser has already
// coerced each column of a VALUES list to the column's common type (the RTE's coltypes).
//
// A LATERAL VALUES list (its items read columns of earlier FROM items, as in the unpivot
// FROM t, LATERAL (VALUES ('a', t.a), ('b', t.b)) v(name, val)) gives every row of the items before
// it one row per list entry. It is applied to their plan: crossed with the entry numbers 1..n (a
// VALUES of constants), each column then computed as CASE entry WHEN 1 THEN item_1 ... WHEN n THEN
// item_n END over the crossed row, so each item is evaluated for its own row only, as PostgreSQL's
// Values Scan evaluates the items of the row it returns.
public sealed partial class QueryBinder
{
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns) BindValues(QueryTreeNode rte, ExpressionBinder binder)
    {
        if (Contains(rte.Field("values_lists").Element, "VAR") || Contains(rte.Field("values_lists").Element, "SUBLINK"))
            throw UnsupportedConstructException.NotYet("VALUES in FROM that reads other FROM items or holds a subquery");
        var (names, types, rows) = BindValuesRows(rte, binder);
        var plans = rows.Select(r => (LogicalPlan)new LogicalProject(new LogicalOneRow(), [.. r.Select((e, i) => new NamedExpr(_ids.New(names[i], types[i]), e))])).ToList();
        if (plans.Count == 1) return (plans[0], plans[0].Output);
        var columns = types.Select((t, i) => _ids.New(names[i], t)).ToList();
        return (new LogicalUnionAll(plans, columns) { Values = true }, columns);
    }

    /// <summary>
    /// PostgreSQL's pull_up_simple_values (is_simple_values): a VALUES list of one row that is the
    /// only range-table entry of its query level (what the parser makes of <c>(VALUES ...) v</c> in
    /// FROM: a sub-query whose one FROM item is the VALUES RTE) becomes a Result, and its items are
    /// substituted into that level's references; the level is then a sub-query with constant outputs
    /// that the parent pulls up in turn (<see cref="RegisterPullUp"/>). So the items are folded,
    /// and their errors raised at plan time, only where a reference reaches them (fuzz seed 389
    /// case 75: `SELECT v2 / v2 FROM (VALUES (0::int2)) a(v2) WHERE false` raises 22012 while
    /// planning), and a join to the list becomes a qual with a constant on the other side (seed 389
    /// case 364: `t4 a JOIN (VALUES (98)) v ON a.c2 = v.v1` tests `a.c2 = 98` in t4's scan, before a
    /// costlier qual that would overflow). PostgreSQL also requires no volatile or set-returning
    /// function in the items; pg_fusion binds neither.
    /// </summary>
    private void RegisterValuesPullUp(BindScope scope, LogicalPlan valuesPlan)
    {
        if (_noConstantPullUp || scope.RangeTable.Count != 1 || valuesPlan is not LogicalProject { Input: LogicalOneRow } row) return;
        foreach (var item in row.Exprs)
        {
            _pulledUpOutputs[item.Column.Id] = item.Expr;
            if (ConstantOutput(item.Expr) is { } constant) _pulledUpConstants[item.Column.Id] = constant;
        }
    }

    /// <summary>
    /// The VALUES RTE of a LATERAL sub-query in FROM that is only a VALUES list reading earlier FROM
    /// items: the parser wraps <c>LATERAL (VALUES ...)</c> in a Query whose one FROM item is the VALUES
    /// RTE (its items read the FROM items before it as VARs of varlevelsup 1), without WHERE,
    /// grouping, ORDER BY or LIMIT. Null for anything else, or when an item holds a sub-query.
    /// </summary>
    private static QueryTreeNode? LateralValuesRte(QueryTreeNode sub)
    {
        if (!IsPlainSelect(sub) || sub.List("sortClause").Count > 0 || !sub.Field("jointree").IsNullField("quals")) return null;
        var rtable = sub.List("rtable");
        if (rtable.Count != 1 || rtable[0].Int32("rtekind") != RteKind.Values) return null;
        if (sub.Field("jointree").List("fromlist") is not [{ Kind: "RANGETBLREF" } item] || item.Int32("rtindex") != 1) return null;
        return Contains(rtable[0].Field("values_lists").Element, "SUBLINK") ? null : rtable[0];
    }

    /// <summary>
    /// A LATERAL VALUES list (<see cref="LateralValuesRte"/>): the entry numbers 1..n, and an apply
    /// computing the wrapper's select list from each entry's items over the FROM items before it.
    /// </summary>
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns, LateralApply Apply) BindLateralValues(QueryTreeNode sub, QueryTreeNode rte, ExpressionBinder outer)
    {
        CheckQueryLevel(sub);
        var rangeTable = sub.List("rtable");
        var scope = new BindScope(rangeTable, (rti, attnum) => CreateScanColumn(rangeTable, rti, attnum));
        var binder = new ExpressionBinder(_envelope.Catalog, scope) { Outer = outer, Output = _envelope.Output, Locale = _envelope.Locale };
        var (names, types, rows) = BindValuesRows(rte, binder);
        var entries = rows.Select((_, r) => (LogicalPlan)new LogicalProject(new LogicalOneRow(), [new NamedExpr(_ids.New("entry", PgType.Int4), new BoundConst(r + 1, PgType.Int4))])).ToList();
        var entry = entries.Count == 1 ? entries[0].Output[0] : _ids.New("entry", PgType.Int4);
        var entryPlan = entries.Count == 1 ? entries[0] : new LogicalUnionAll(entries, [entry]);
        var valueColumns = types.Select((t, i) => _ids.New(names[i], t)).ToList();
        var values = valueColumns.Select((c, i) => rows.Count == 1
            ? rows[0][i]
            : new BoundCase([.. rows.Select((r, n) => ((BoundExpr)new BoundFuncCall(65, "int4eq", [new LogicalColumnRef(entry), new BoundConst(n + 1, PgType.Int4)], PgType.Bool), r[i]))],
                new BoundConst(null, c.Type), c.Type)).ToList();
        scope.SetSubquery(1, valueColumns);
        var byId = valueColumns.Select((c, i) => (c.Id, Value: values[i])).ToDictionary(p => p.Id, p => p.Value);
        var outputs = new List<NamedExpr>();
        foreach (var tle in sub.List("targetList"))
        {
            if (tle.Bool("resjunk")) continue;
            var expr = binder.Bind(tle.Field("expr")).ReplaceColumns(byId);
            outputs.Add(new NamedExpr(_ids.New(ResultName(tle), expr.Type), expr));
        }
        var apply = new LateralApply(entryPlan, new BoundConst(true, PgType.Bool), outputs, LogicalJoinType.Inner);
        return (entryPlan, [.. outputs.Select(o => o.Column)], apply);
    }

    /// <summary>A VALUES RTE's column names, column types and items (bound, relabeled to the column types), row by row.</summary>
    private (List<string> Names, IReadOnlyList<PgType> Types, List<List<BoundExpr>> Rows) BindValuesRows(QueryTreeNode rte, ExpressionBinder binder)
    {
        var lists = rte.List("values_lists");
        var types = ColumnTypes(rte, "coltypes", "coltypmods", rte.Optional("colcollations"), "VALUES column of type", "VALUES column of text");
        var colnames = rte.Optional("eref")?.Optional("colnames")?.Items() ?? [];
        var names = types.Select((_, i) => i < colnames.Count ? colnames[i].Text() : $"column{i + 1}").ToList();
        var rows = new List<List<BoundExpr>>(lists.Count);
        foreach (var list in lists)
        {
            var items = list.Items();
            if (items.Count != types.Count) throw list.Error($"VALUES row with {items.Count} items, the list has {types.Count} columns");
            var exprs = new List<BoundExpr>(items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                var e = binder.Bind(items[i]);
                if (e.Type.Oid != types[i].Oid) throw items[i].Error($"VALUES item of type {e.Type}, its column is {types[i]}");
                if (e.Type != types[i]) e = new BoundRelabel(e, types[i]);
                exprs.Add(e);
            }
            rows.Add(exprs);
        }
        return (names, types, rows);
    }

    /// <summary>Whether a JSON query-tree fragment holds a node of <paramref name="kind"/>.</summary>
    private static bool Contains(QueryJsonValue element, string kind) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => p.NameEquals("node") && p.Value.ValueKind == JsonValueKind.String && p.Value.ValueEquals(kind) || Contains(p.Value, kind)),
        JsonValueKind.Array => element.EnumerateArray().Any(e => Contains(e, kind)),
        _ => false,
    };
}
