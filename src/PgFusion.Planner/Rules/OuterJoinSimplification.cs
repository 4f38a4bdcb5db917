using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Outer-to-inner join simplification (PostgreSQL's reduce_outer_joins): an outer join whose
/// NULL-extended rows a strict predicate above would drop anyway loses that side. A left (right)
/// join becomes inner when something above rejects NULLs in a column of its right (left) input; a
/// full join becomes left, right or inner by which sides are rejected. "Above" is a filter, the
/// condition of an inner or semi join (for both inputs, resp. the left one), or the condition of an
/// outer, semi or anti join for the input whose unmatched rows it drops. A predicate rejects NULLs
/// in a column when it cannot be true with that column NULL: a strict function or comparison of it,
/// IS NOT NULL, NOT, AND of any arm, OR of every arm. Runs before predicate pushdown, so the WHERE
/// conjuncts that made a join inner are then pushed into its input.
/// </summary>
public sealed class OuterJoinSimplification(Func<uint, bool>? isStrictFunction = null) : IRewriteRule
{
    public string Name => "outer_join_simplification";

    public LogicalPlan Apply(LogicalPlan plan) => Reduce(plan, []);

    /// <param name="rejected">Column ids whose NULL makes some operator above drop the row.</param>
    private LogicalPlan Reduce(LogicalPlan plan, HashSet<int> rejected)
    {
        switch (plan)
        {
            case LogicalFilter filter:
            {
                var below = new HashSet<int>(rejected);
                below.UnionWith(NotTrueWhenNull(filter.Predicate));
                return filter with { Input = Reduce(filter.Input, below) };
            }
            case LogicalProject project:
            {
                var below = new HashSet<int>();
                foreach (var e in project.Exprs)
                    if (rejected.Contains(e.Column.Id)) below.UnionWith(NullWhenNull(e.Expr));
                return project with { Input = Reduce(project.Input, below) };
            }
            case LogicalSort sort when sort.Limit is null:
                return sort with { Input = Reduce(sort.Input, rejected) };
            case LogicalJoin join:
                return ReduceJoin(join, rejected);
            default:
                // Aggregates, limits, set operations: a row dropped above is not a row dropped below.
                return plan.MapChildren(c => Reduce(c, []));
        }
    }

    private LogicalJoin ReduceJoin(LogicalJoin join, HashSet<int> rejected)
    {
        bool leftRejected = join.Left.Output.Any(c => rejected.Contains(c.Id));
        bool rightRejected = !join.Kind.OutputsLeftOnly() && join.Right.Output.Any(c => rejected.Contains(c.Id));
        var kind = (join.Kind, leftRejected, rightRejected) switch
        {
            (LogicalJoinType.Left, _, true) => LogicalJoinType.Inner,
            (LogicalJoinType.Right, true, _) => LogicalJoinType.Inner,
            (LogicalJoinType.Full, true, true) => LogicalJoinType.Inner,
            (LogicalJoinType.Full, true, false) => LogicalJoinType.Left,
            (LogicalJoinType.Full, false, true) => LogicalJoinType.Right,
            _ => join.Kind,
        };
        var onRejected = join.Condition is null ? [] : NotTrueWhenNull(join.Condition);
        // A row of an input reaches the output only through the join's kind: an input whose unmatched
        // rows are dropped (not preserved) sees the condition's rejections; a preserved input sees only
        // what is rejected above. A null-aware anti join's NULL keys decide its result: nothing passes.
        var leftBelow = new HashSet<int>(rejected);
        var rightBelow = new HashSet<int>();
        switch (kind)
        {
            case LogicalJoinType.Inner:
                leftBelow.UnionWith(onRejected);
                rightBelow.UnionWith(rejected);
                rightBelow.UnionWith(onRejected);
                break;
            case LogicalJoinType.Left:
            case LogicalJoinType.Anti:
                rightBelow.UnionWith(onRejected);
                break;
            case LogicalJoinType.Semi:
                leftBelow.UnionWith(onRejected);
                rightBelow.UnionWith(onRejected);
                break;
            case LogicalJoinType.Right:
                leftBelow = [.. onRejected];
                rightBelow.UnionWith(rejected);
                break;
            case LogicalJoinType.Full:
                leftBelow = [];
                break;
            case LogicalJoinType.NullAwareAnti:
                leftBelow = [];
                break;
        }
        return join with { Kind = kind, Left = Reduce(join.Left, leftBelow), Right = Reduce(join.Right, rightBelow) };
    }

    /// <summary>Columns whose NULL makes <paramref name="predicate"/> false or NULL (find_nonnullable_vars at top level).</summary>
    private HashSet<int> NotTrueWhenNull(BoundExpr predicate) => predicate switch
    {
        BoundBoolExpr { Op: BoolOp.And } and => Union(and.Args.Select(NotTrueWhenNull)),
        BoundBoolExpr { Op: BoolOp.Or } or => Intersection(or.Args.Select(NotTrueWhenNull)),
        // NOT x is true only when x is false, which a NULL x is not.
        BoundBoolExpr { Op: BoolOp.Not, Args: [var x] } => NullWhenNull(x),
        BoundNullTest { IsNotNull: true } test => NullWhenNull(test.Arg),
        _ => NullWhenNull(predicate),
    };

    /// <summary>Columns whose NULL makes <paramref name="e"/> NULL.</summary>
    private HashSet<int> NullWhenNull(BoundExpr e) => e switch
    {
        LogicalColumnRef r => [r.Column.Id],
        BoundRelabel relabel => NullWhenNull(relabel.Arg),
        BoundFuncCall f when IsStrict(f) => Union(f.Args.Select(NullWhenNull)),
        _ => [],
    };

    private bool IsStrict(BoundFuncCall f) =>
        (f.Args.Count == 2 && PhysicalPlanner.IsStrictComparison(f)) || (isStrictFunction?.Invoke(f.FuncOid) ?? false);

    private static HashSet<int> Union(IEnumerable<HashSet<int>> sets)
    {
        var all = new HashSet<int>();
        foreach (var s in sets) all.UnionWith(s);
        return all;
    }

    private static HashSet<int> Intersection(IEnumerable<HashSet<int>> sets)
    {
        HashSet<int>? all = null;
        foreach (var s in sets)
        {
            if (all is null) all = [.. s];
            else all.IntersectWith(s);
        }
        return all ?? [];
    }
}
