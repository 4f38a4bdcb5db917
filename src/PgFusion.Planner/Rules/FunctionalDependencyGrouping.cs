using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// GROUP BY on a relation's key plus other columns of the same relation: the other columns are
/// functionally dependent on the key (PostgreSQL's remove_useless_groupby_columns, which uses the
/// primary key; here any unique, immediate index whose key columns are NOT NULL). They leave the
/// grouping keys and ride along as any of the group's values (<see cref="BoundAggregate.AnyValueOid"/>: all are equal),
/// so the hash table hashes and compares the key only. The key may also be covered by group keys
/// equal to its columns in every input row (an inner join's l_orderkey = o_orderkey: grouping by
/// l_orderkey, o_orderdate groups by l_orderkey alone). Exact: every row of a group comes from
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
        var keyOrigins = new (LogicalScan Scan, int AttNum)?[aggregate.GroupKeys.Count];
        for (int i = 0; i < keyOrigins.Length; i++)
            if (aggregate.GroupKeys[i].Expr is LogicalColumnRef r && origins.TryGetValue(r.Column.Id, out var origin)) keyOrigins[i] = origin;
        var equal = EqualAttributes(aggregate.Input, origins);
        var dependent = new HashSet<int>();
        var determinants = new HashSet<int>();
        // Scans in the order of their first group key; a key column is never made dependent once it
        // determines others (so no two columns are removed in favour of each other).
        foreach (var scan in keyOrigins.Where(o => o is not null).Select(o => o!.Value.Scan).Distinct(ReferenceEqualityComparer.Instance).Cast<LogicalScan>())
        {
            // The group keys that are plain columns of this scan, and those equal to one of its columns in every input row.
            var direct = new Dictionary<int, int>();
            var covered = new Dictionary<int, int>();
            for (int i = 0; i < keyOrigins.Length; i++)
            {
                if (keyOrigins[i] is not { } o || dependent.Contains(i)) continue;
                if (ReferenceEquals(o.Scan, scan))
                {
                    direct.TryAdd(o.AttNum, i);
                    covered.TryAdd(o.AttNum, i);
                }
                foreach (var (s2, att) in equal.GetValueOrDefault(o, []))
                    if (ReferenceEquals(s2, scan)) covered.TryAdd(att, i);
            }
            var key = scan.Relation.UniqueKeys().FirstOrDefault(k => k.All(covered.ContainsKey));
            if (key is null) continue;
            foreach (var attnum in key) determinants.Add(covered[attnum]);
            foreach (var (attnum, index) in direct)
                if (!key.Contains(attnum) && !determinants.Contains(index)) dependent.Add(index);
        }
        // Keys determined through a chain of keys: Q10 groups by c_custkey, n_name over
        // c_nationkey = n_nationkey; c_custkey fixes the customer row, so c_nationkey, so
        // n_nationkey (nation's key), so n_name. From the last key back, a key goes when the
        // keys left without it determine its scan (each removal holds against the keys finally left).
        for (int i = keyOrigins.Length - 1; i >= 0; i--)
        {
            if (dependent.Contains(i) || keyOrigins[i] is not { } candidate) continue;
            var others = new List<(LogicalScan, int)>();
            for (int k = 0; k < keyOrigins.Length; k++)
                if (k != i && !dependent.Contains(k) && keyOrigins[k] is { } o) others.Add(o);
            if (DeterminedScans(others, equal, origins).Contains(candidate.Scan)) dependent.Add(i);
        }
        if (dependent.Count == 0) return aggregate;
        var keys = aggregate.GroupKeys.Where((_, i) => !dependent.Contains(i)).ToList();
        var payload = aggregate.GroupKeys.Where((_, i) => dependent.Contains(i)).Select(k => new NamedAggregate(
            k.Column, new BoundAggregate(BoundAggregate.AnyValueOid, "any_value", [k.Expr], Distinct: false, Filter: null, k.Column.Type)));
        return aggregate with { GroupKeys = keys, Aggregates = [.. payload, .. aggregate.Aggregates] };
    }

    /// <summary>
    /// The scans one row of which every row of a group comes from (or from its NULL extension),
    /// when the group shares the values of <paramref name="keys"/>: a scan whose unique key's
    /// attributes are all shared; an attribute is shared when it is a key, equal in every row to a
    /// shared attribute (<paramref name="equal"/>), or any attribute of such a scan.
    /// </summary>
    private static HashSet<LogicalScan> DeterminedScans(List<(LogicalScan, int)> keys,
        Dictionary<(LogicalScan, int), HashSet<(LogicalScan, int)>> equal, Dictionary<int, (LogicalScan Scan, int AttNum)> origins)
    {
        var shared = new HashSet<(LogicalScan, int)>();
        void Share((LogicalScan, int) attribute)
        {
            if (!shared.Add(attribute)) return;
            foreach (var other in equal.GetValueOrDefault(attribute, [])) shared.Add(other); // equal is transitively closed
        }
        foreach (var k in keys) Share(k);
        var scans = origins.Values.Select(o => o.Scan).Distinct(ReferenceEqualityComparer.Instance).Cast<LogicalScan>().ToList();
        var determined = new HashSet<LogicalScan>(ReferenceEqualityComparer.Instance);
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var scan in scans)
            {
                if (determined.Contains(scan) || !scan.Relation.UniqueKeys().Any(key => key.All(att => shared.Contains((scan, att))))) continue;
                determined.Add(scan);
                changed = true;
                foreach (var c in scan.Columns) Share((scan, c.AttNum));
            }
        }
        return determined;
    }

    /// <summary>Integer equality functions whose two arguments have one type: equal values are identical.</summary>
    private static readonly HashSet<string> SameTypeIntegerEquality = ["int2eq", "int4eq", "int8eq"];

    /// <summary>
    /// Scan attributes equal to each other in every row of <paramref name="plan"/> (transitively):
    /// column = column conjuncts of the same integer type in filters and inner join conditions,
    /// through projections, inner joins and the kept side of semi and anti joins (never below the
    /// NULL-extended side of an outer join, whose rows need not satisfy its condition). Q3 groups by
    /// l_orderkey, o_orderdate, o_shippriority over l_orderkey = o_orderkey: orders' primary key
    /// determines the other two.
    /// </summary>
    private static Dictionary<(LogicalScan, int), HashSet<(LogicalScan, int)>> EqualAttributes(
        LogicalPlan plan, Dictionary<int, (LogicalScan Scan, int AttNum)> origins)
    {
        var pairs = new List<((LogicalScan, int), (LogicalScan, int))>();
        void Conjuncts(BoundExpr? e)
        {
            if (e is null) return;
            foreach (var c in PredicatePushdown.Conjuncts(e))
                if (c is BoundFuncCall { Args: [LogicalColumnRef a, LogicalColumnRef b] } f && SameTypeIntegerEquality.Contains(f.Name)
                    && a.Type == b.Type && origins.TryGetValue(a.Column.Id, out var oa) && origins.TryGetValue(b.Column.Id, out var ob))
                    pairs.Add((oa, ob));
        }
        void Walk(LogicalPlan p)
        {
            switch (p)
            {
                case LogicalFilter filter:
                    Conjuncts(filter.Predicate);
                    Walk(filter.Input);
                    break;
                case LogicalProject project:
                    Walk(project.Input);
                    break;
                case LogicalJoin { Kind: LogicalJoinType.Inner } join:
                    Conjuncts(join.Condition);
                    Walk(join.Left);
                    Walk(join.Right);
                    break;
                case LogicalJoin { Kind: LogicalJoinType.Semi or LogicalJoinType.Anti } join:
                    Walk(join.Left);
                    break;
            }
        }
        Walk(plan);
        var equal = new Dictionary<(LogicalScan, int), HashSet<(LogicalScan, int)>>();
        bool changed = true;
        foreach (var (a, b) in pairs)
        {
            if (!equal.TryGetValue(a, out var sa)) equal[a] = sa = [];
            if (!equal.TryGetValue(b, out var sb)) equal[b] = sb = [];
            sa.Add(b);
            sb.Add(a);
        }
        while (changed)
        {
            changed = false;
            foreach (var (attribute, set) in equal)
                foreach (var other in set.ToList())
                    foreach (var third in equal[other])
                        if (!third.Equals(attribute) && set.Add(third)) changed = true;
        }
        return equal;
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
