using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// GROUP BY on a relation's key plus other columns of the same relation: the other columns are
/// functionally dependent on the key (PostgreSQL's remove_useless_groupby_columns, which uses the
/// primary key; here any unique, immediate index whose key columns are NOT NULL). They leave the
/// grouping keys and ride along as the group's first value (<see cref="BoundAggregate.FirstValueOid"/>),
/// so the hash table hashes and compares the key only. Exact: every row of a group comes from
/// one row of the relation (duplicated by joins), or from null-extended rows of an outer join, in
/// which the key and the dependent columns are all NULL. The column keeps its id, so the plan above
/// reads it unchanged; when the aggregate is the plan's root, a projection restores the column order.
/// </summary>
public sealed class FunctionalDependencyGrouping : IRewriteRule
{
    public string Name => "functional_dependency_grouping";

    public LogicalPlan Apply(LogicalPlan plan)
    {
        var rewritten = plan.TransformUp(p => p is LogicalAggregate a ? Rewrite(a) : p);
        if (ReferenceEquals(rewritten, plan) || rewritten.Output.Select(c => c.Id).SequenceEqual(plan.Output.Select(c => c.Id))) return rewritten;
        return new LogicalProject(rewritten, [.. plan.Output.Select(c => new NamedExpr(c, new LogicalColumnRef(c)))]);
    }

    private static LogicalPlan Rewrite(LogicalAggregate aggregate)
    {
        if (aggregate.GroupKeys.Count < 2) return aggregate;
        var origins = new Dictionary<int, (LogicalScan Scan, int AttNum)>();
        CollectOrigins(aggregate.Input, origins);
        // The group keys that are plain columns of a scan, by scan.
        var keysByScan = new Dictionary<LogicalScan, Dictionary<int, int>>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < aggregate.GroupKeys.Count; i++)
        {
            if (aggregate.GroupKeys[i].Expr is not LogicalColumnRef r || !origins.TryGetValue(r.Column.Id, out var origin)) continue;
            if (!keysByScan.TryGetValue(origin.Scan, out var byAttNum)) keysByScan[origin.Scan] = byAttNum = [];
            byAttNum.TryAdd(origin.AttNum, i);
        }
        var dependent = new HashSet<int>();
        foreach (var (scan, byAttNum) in keysByScan)
        {
            var key = scan.Relation.UniqueKeys().FirstOrDefault(k => k.All(byAttNum.ContainsKey));
            if (key is null) continue;
            foreach (var (attnum, index) in byAttNum)
                if (!key.Contains(attnum)) dependent.Add(index);
        }
        if (dependent.Count == 0) return aggregate;
        var keys = aggregate.GroupKeys.Where((_, i) => !dependent.Contains(i)).ToList();
        var payload = aggregate.GroupKeys.Where((_, i) => dependent.Contains(i)).Select(k => new NamedAggregate(
            k.Column, new BoundAggregate(BoundAggregate.FirstValueOid, "first_value", [k.Expr], Distinct: false, Filter: null, k.Column.Type)));
        return aggregate with { GroupKeys = keys, Aggregates = [.. payload, .. aggregate.Aggregates] };
    }

    /// <summary>Columns that carry a scan's attribute unchanged (the scan's own, and projections passing them through).</summary>
    private static void CollectOrigins(LogicalPlan plan, Dictionary<int, (LogicalScan, int)> origins)
    {
        foreach (var child in plan.Children) CollectOrigins(child, origins);
        switch (plan)
        {
            case LogicalScan scan:
                foreach (var c in scan.Columns) origins[c.Column.Id] = (scan, c.AttNum);
                break;
            case LogicalProject project:
                foreach (var e in project.Exprs)
                    if (e.Expr is LogicalColumnRef r && origins.TryGetValue(r.Column.Id, out var origin)) origins[e.Column.Id] = origin;
                break;
        }
    }
}
