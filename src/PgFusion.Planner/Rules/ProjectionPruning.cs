using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Top-down required columns: projections drop expressions nobody reads, scans drop attributes
/// nobody reads (so the decoder decodes only those), UNION ALL drops unread columns from every
/// branch. Aggregates keep every key (dropping one would change the groups) and drop aggregates
/// nobody reads, as PostgreSQL replaces a sub-query's unread outputs by NULL
/// (remove_unused_subquery_outputs) and never computes them; a materialized CTE's select list
/// (<see cref="LogicalProject.KeepAll"/>) keeps every column, as PostgreSQL computes all of it.
/// </summary>
/// <param name="beforeFolding">The pass before constant evaluation: a flattened UNION ALL with pulled-up
/// arms (<see cref="LogicalUnionAll.AppendRelMembers"/>) keeps its columns there, as PostgreSQL folds
/// a pulled-up arm's whole select list (translated_vars) whichever outputs are read; only the arms
/// it plans as sub-queries of their own get NULL for the unread outputs (remove_unused_subquery_outputs).
/// The optimizer's pass drops the columns after folding.</param>
public sealed class ProjectionPruning(bool beforeFolding = false) : IRewriteRule
{
    public string Name => "projection_pruning";

    public LogicalPlan Apply(LogicalPlan plan) => Prune(plan, ColumnIds.Of(plan.Output), isRoot: true);

    private LogicalPlan Prune(LogicalPlan plan, HashSet<int> required, bool isRoot = false)
    {
        switch (plan)
        {
            case LogicalScan scan:
                var columns = scan.Columns.Where(c => required.Contains(c.Column.Id)).ToList();
                return columns.Count == scan.Columns.Count ? scan : scan with { Columns = columns };
            case LogicalProject project:
                var exprs = isRoot || project.KeepAll ? project.Exprs : project.Exprs.Where(e => required.Contains(e.Column.Id)).ToList();
                var input = Prune(project.Input, Needs(exprs.Select(e => e.Expr)));
                return exprs.Count == project.Exprs.Count && ReferenceEquals(input, project.Input)
                    ? project
                    : project with { Input = input, Exprs = exprs }; // keeps PlannedSubquery and PulledUpSelectList (seed 732 case 119)
            case LogicalUnionAll union when !isRoot && union.Inputs.All(i => i is LogicalProject):
            {
                // UNION ALL keeps no row identity: columns nobody reads go, in every branch alike.
                var keep = Enumerable.Range(0, union.Columns.Count).Where(i => required.Contains(union.Columns[i].Id)).ToList();
                if (keep.Count == 0) keep.Add(0); // rows still count: keep one column
                if (keep.Count == union.Columns.Count) goto default;
                if (beforeFolding && union.AppendRelMembers is { } members && members.Contains(AppendRelArm.PulledUp))
                {
                    var kept = union.Inputs.Select((branch, a) =>
                    {
                        var arm = a < members.Count ? members[a] : AppendRelArm.Planned;
                        if (arm == AppendRelArm.Planned && branch is LogicalProject armProject)
                            branch = armProject with
                            {
                                Exprs = [.. armProject.Exprs.Select((e, i) => keep.Contains(i) ? e : e with { Expr = new Binding.BoundConst(null, e.Column.Type) })],
                            };
                        return Prune(branch, ColumnIds.Of(branch.Output));
                    }).ToList();
                    return union with { Inputs = kept };
                }
                var inputs = union.Inputs.Select(branch => Prune(branch, [.. keep.Select(i => branch.Output[i].Id)])).ToList();
                return union with { Inputs = inputs, Columns = [.. keep.Select(i => union.Columns[i])] };
            }
            case LogicalAggregate aggregate when !isRoot:
            {
                var aggregates = aggregate.Aggregates.Where(a => required.Contains(a.Column.Id)).ToList();
                bool rowOnly = aggregates.Count == 0 && aggregate.GroupKeys.Count == 0 && aggregate.Aggregates.Count > 0;
                if (rowOnly) aggregates.Add(RowOnly(aggregate.Aggregates[0]));
                var kept = aggregates.SequenceEqual(aggregate.Aggregates) ? aggregate : aggregate with { Aggregates = aggregates };
                // No aggregate left over one table: PostgreSQL's MIN/MAX path over no aggregates, a Result that reads nothing.
                if (rowOnly && !beforeFolding && kept.MinMaxPathLevel && IsOneTableRead(kept.Input)) return kept with { Input = new LogicalOneRow() };
                return kept.MapChildren(c => Prune(c, Needs(kept.Expressions)));
            }
            default:
                var childRequired = new HashSet<int>(required);
                AddNeeds(childRequired, plan.Expressions);
                return plan.MapChildren(c => Prune(c, childRequired));
        }
    }

    /// <summary>
    /// What an aggregate without keys keeps when nobody reads any of its aggregates: it must still
    /// return its one row, but PostgreSQL then computes no aggregate at all (the Agg node has none
    /// once `min(x * 57) * 2 + NULL` folds to NULL, or remove_unused_subquery_outputs dropped them),
    /// so no argument or FILTER is evaluated and none can raise (fuzz seed 409 case 12: an int4
    /// overflow in min's argument). count(*) reads nothing; the column keeps its id, unread.
    /// </summary>
    private static NamedAggregate RowOnly(NamedAggregate first) =>
        first.Aggregate is { AggOid: CountStarOid, Filter: null }
            ? first
            : new NamedAggregate(first.Column with { Type = PgType.Int8 }, new BoundAggregate(CountStarOid, "count", [], false, null, PgType.Int8));

    /// <summary>
    /// A read of one table under filters and pulled-up select lists: the FROM that
    /// preprocess_minmax_aggregates accepts (one RTE_RELATION, however deep in pulled-up sub-queries).
    /// When an ungrouped aggregate over it has no aggregate left (all folded away or unread), that
    /// function finds "all of them MIN/MAX" (none), and its path, a Result computing the select list
    /// with no input, costs less than any scan: the WHERE is never evaluated (seed 795 case 3151:
    /// `sum(..) * 2 + NULL::numeric` over a WHERE dividing by zero returns its row in PostgreSQL).
    /// </summary>
    private static bool IsOneTableRead(LogicalPlan plan) => plan switch
    {
        LogicalScan => true,
        LogicalFilter { Having: false } f => IsOneTableRead(f.Input),
        LogicalProject { PlannedSubquery: false } p => IsOneTableRead(p.Input),
        _ => false,
    };

    /// <summary>pg_aggregate's count(*).</summary>
    private const uint CountStarOid = 2803;

    private static HashSet<int> Needs(IEnumerable<Binding.BoundExpr> exprs)
    {
        var ids = new HashSet<int>();
        AddNeeds(ids, exprs);
        return ids;
    }

    /// <summary>Adds the ids of the columns <paramref name="exprs"/> read (into the set itself: no set per call to union).</summary>
    private static void AddNeeds(HashSet<int> ids, IEnumerable<Binding.BoundExpr> exprs)
    {
        foreach (var e in exprs)
        {
            var columns = e.ReferencedColumns();
            for (int i = 0; i < columns.Count; i++) ids.Add(columns[i].Id);
        }
    }
}
