using PgFusion.Planner.Json;

namespace PgFusion.Planner.Binding;

// Non-recursive WITH queries: every reference binds the CTE's query anew (as a subquery in FROM
// would be), so a CTE used twice is computed twice. The results are the same as PostgreSQL's single
// materialization because the worker runs only SELECTs and no volatile function (FunctionRegistry
// has none; random() and the like fall back). MATERIALIZED / NOT MATERIALIZED change only the plan.
public sealed partial class QueryBinder
{
    // The WITH lists of the queries being bound, outermost first. A reference resolves by name from
    // the innermost list, which is SQL's scoping: non-recursive CTE names are unique per WITH and
    // a CTE's query is bound with only the lists visible where it is defined.
    private readonly List<IReadOnlyList<QueryTreeNode>> _withLists = [];

    private void PushWith(QueryTreeNode query)
    {
        if (query.Optional("hasRecursive")?.Bool() == true) throw UnsupportedConstructException.NotYet("WITH RECURSIVE");
        _withLists.Add(query.Optional("cteList")?.Items() ?? []);
    }

    private void PopWith() => _withLists.RemoveAt(_withLists.Count - 1);

    private BoundQuery BindCteReference(QueryTreeNode rte)
    {
        string name = rte.Field("ctename").Text();
        if (rte.Optional("self_reference")?.Bool() == true) throw UnsupportedConstructException.NotYet($"recursive reference to WITH query {name}");
        for (int level = _withLists.Count - 1; level >= 0; level--)
        {
            int index = -1;
            for (int i = 0; i < _withLists[level].Count && index < 0; i++)
                if (_withLists[level][i].Optional("ctename")?.Text() == name) index = i;
            if (index < 0) continue;
            var cte = _withLists[level][index];
            if (cte.Optional("cterecursive")?.Bool() == true) throw UnsupportedConstructException.NotYet($"recursive WITH query {name}");
            var body = cte.Field("ctequery");
            // Bind the body where it is defined: the lists inside it are not visible to it.
            var hidden = _withLists.GetRange(level + 1, _withLists.Count - level - 1);
            _withLists.RemoveRange(level + 1, hidden.Count);
            try
            {
                return BindQuery(body);
            }
            finally
            {
                _withLists.AddRange(hidden);
            }
        }
        throw rte.Error($"WITH query {name} is not defined in an enclosing query");
    }
}
