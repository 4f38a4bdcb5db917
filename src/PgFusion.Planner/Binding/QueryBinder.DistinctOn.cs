using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// DISTINCT ON.
public sealed partial class QueryBinder
{
    /// <summary>
    /// SELECT DISTINCT ON (k...) ... ORDER BY k..., o...: the first row of each k group in ORDER BY
    /// order. Bound as the ORDER BY sort, then grouping on k with <see cref="BoundAggregate.FirstValueOid"/>
    /// (the group's first input row, NULL included) for every other target column, then the ORDER BY
    /// again over the one row per group. Without ORDER BY PostgreSQL's choice of row is not defined by
    /// the query, so that form stays Unsupported.
    /// </summary>
    /// <param name="carried">
    /// A decorrelated LATERAL sub-query's correlation keys (QueryBinder.Lateral): further DISTINCT ON
    /// keys, so each outer value keeps the first row of each of its groups; replaced by the keys' new columns.
    /// </param>
    private LogicalPlan BindDistinctOn(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList, LogicalColumn[] tleColumns, LogicalPlan plan, List<LogicalColumn>? carried = null)
    {
        if (query.List("sortClause").Count == 0) throw UnsupportedConstructException.NotYet("DISTINCT ON without ORDER BY");
        var sorted = BindSort(query, targetList, tleColumns, plan);
        var keys = new List<NamedExpr>();
        var keyIndexes = new HashSet<int>();
        foreach (var clause in query.List("distinctClause"))
        {
            int i = TargetIndexFor(clause, targetList);
            if (keyIndexes.Add(i)) keys.Add(new NamedExpr(_ids.New(tleColumns[i].Name, tleColumns[i].Type), new LogicalColumnRef(tleColumns[i])));
        }
        for (int c = 0; c < (carried?.Count ?? 0); c++)
        {
            var key = new NamedExpr(_ids.New(carried![c].Name, carried[c].Type), new LogicalColumnRef(carried[c]));
            keys.Add(key);
            carried[c] = key.Column;
        }
        var aggregates = new List<NamedAggregate>();
        var remapped = new LogicalColumn[tleColumns.Length];
        for (int i = 0; i < tleColumns.Length; i++)
        {
            var column = tleColumns[i];
            if (keyIndexes.Contains(i))
            {
                remapped[i] = keys.First(k => ((LogicalColumnRef)k.Expr).Column.Id == column.Id).Column;
                continue;
            }
            var first = new BoundAggregate(BoundAggregate.FirstValueOid, "first", [new LogicalColumnRef(column)], false, null, column.Type);
            remapped[i] = _ids.New(column.Name, column.Type);
            aggregates.Add(new NamedAggregate(remapped[i], first));
        }
        remapped.CopyTo(tleColumns, 0);
        return BindSort(query, targetList, tleColumns, new LogicalAggregate(sorted, keys, aggregates));
    }
}
