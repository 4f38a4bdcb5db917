using System.Text.Json;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// SELECT without FROM and VALUES lists in FROM. Both read PostgreSQL's one-row Result: a SELECT
// without FROM binds its select list (and WHERE, aggregates, subqueries) over LogicalOneRow; a
// VALUES list is UNION ALL of one projection over LogicalOneRow per row. The parser has already
// coerced each column of a VALUES list to the column's common type (the RTE's coltypes).
public sealed partial class QueryBinder
{
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns) BindValues(QueryTreeNode rte, ExpressionBinder binder)
    {
        var lists = rte.List("values_lists");
        if (Contains(rte.Field("values_lists").Element, "VAR") || Contains(rte.Field("values_lists").Element, "SUBLINK"))
            throw UnsupportedConstructException.NotYet("VALUES in FROM that reads other FROM items or holds a subquery");
        var types = ColumnTypes(rte, "coltypes", "coltypmods", rte.Optional("colcollations"), "VALUES column of type", "VALUES column of text");
        var names = rte.Optional("eref")?.Optional("colnames")?.Items() ?? [];
        string Name(int i) => i < names.Count ? names[i].Text() : $"column{i + 1}";
        var rows = new List<LogicalPlan>(lists.Count);
        foreach (var list in lists)
        {
            var items = list.Items();
            if (items.Count != types.Count) throw list.Error($"VALUES row with {items.Count} items, the list has {types.Count} columns");
            var exprs = new List<NamedExpr>(items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                var e = binder.Bind(items[i]);
                if (e.Type.Oid != types[i].Oid) throw items[i].Error($"VALUES item of type {e.Type}, its column is {types[i]}");
                if (e.Type != types[i]) e = new BoundRelabel(e, types[i]);
                exprs.Add(new NamedExpr(_ids.New(Name(i), types[i]), e));
            }
            rows.Add(new LogicalProject(new LogicalOneRow(), exprs));
        }
        if (rows.Count == 1) return (rows[0], rows[0].Output);
        var columns = types.Select((t, i) => _ids.New(Name(i), t)).ToList();
        return (new LogicalUnionAll(rows, columns), columns);
    }

    /// <summary>Whether a JSON query-tree fragment holds a node of <paramref name="kind"/>.</summary>
    private static bool Contains(JsonElement element, string kind) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => p.Name == "node" && p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == kind || Contains(p.Value, kind)),
        JsonValueKind.Array => element.EnumerateArray().Any(e => Contains(e, kind)),
        _ => false,
    };
}
