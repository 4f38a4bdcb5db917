using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Pushes a row bound down the plan (after <see cref="LimitSortToTopN"/>, so ORDER BY ... LIMIT
/// already is a top-N sort):
/// <list type="bullet">
/// <item>LIMIT n OFFSET m below a projection as a LIMIT of m + n (the OFFSET stays above): the
/// projection is then computed only for the rows the LIMIT passes, as PostgreSQL's Limit node pulls
/// (and its child projects) only the offset rows and the returned ones.</item>
/// <item>A top-N sort below a projection whose expressions cannot raise (the keys substituted):
/// PostgreSQL computes the select list below its Sort for every row, so a projection that may raise
/// stays below the sort, where it meets the same rows.</item>
/// <item>Into every arm of UNION ALL (the bound stays above the union): a LIMIT, or a top-N with the
/// keys translated to the arm's columns.</item>
/// <item>Into the preserved side of a LEFT or RIGHT join whose condition cannot raise (the bound
/// stays above the join): a LIMIT, or a top-N whose keys read only the preserved side. Every
/// preserved row yields at least one joined row, and the joined rows of the first n preserved
/// rows (in key order) are enough for the first n joined rows.</item>
/// </list>
/// Never through filters, aggregates, DISTINCT, windows, inner, full, semi or anti joins (each may
/// drop or merge rows, so the first n input rows need not give n output rows). A LIMIT 0 is not
/// pushed: the Limit returns nothing without reading its input, as PostgreSQL's ExecLimit does.
/// </summary>
/// <param name="cannotRaise">Whether an expression can never raise (<see cref="PredicatePushdown.CannotRaise"/>):
/// a projection or join condition evaluated over fewer rows must not lose an error PostgreSQL raises.</param>
public sealed class LimitPushdown(Func<BoundExpr, bool>? cannotRaise = null) : IRewriteRule
{
    private readonly Func<BoundExpr, bool> _cannotRaise = cannotRaise ?? (e => PredicatePushdown.CannotRaise(e, _ => false));

    public string Name => "limit_pushdown";

    public LogicalPlan Apply(LogicalPlan plan) => Rewrite(plan);

    private LogicalPlan Rewrite(LogicalPlan plan)
    {
        switch (plan)
        {
            case LogicalLimit { Count: { } count and > 0 } limit:
            {
                long keep = Add(limit.Offset, count);
                if (limit.Offset == 0) return Bounded(limit.Input, keep);
                // the OFFSET stays here; below it, the input cut to offset + count rows
                return limit with { Input = Pushable(limit.Input) ? Bounded(limit.Input, keep) : Rewrite(limit.Input) };
            }
            case LogicalSort { Limit: > 0 } topN:
                return TopN(topN);
            default:
                return plan.MapChildren(Rewrite);
        }
    }

    /// <summary>Whether <see cref="Bounded"/> pushes a bound into <paramref name="plan"/> (else it only puts a LIMIT over it).</summary>
    private bool Pushable(LogicalPlan plan) => plan switch
    {
        LogicalProject { KeepAll: false } or LogicalUnionAll or LogicalLimit => true,
        LogicalJoin join => PreservedSide(join) is not null,
        LogicalSort { WithTies: false } sort => sort.Limit is not 0,
        _ => false,
    };

    /// <summary>
    /// <paramref name="plan"/> cut to its first <paramref name="keep"/> rows (a valid LIMIT of it),
    /// the cut pushed as far down as it may go.
    /// </summary>
    private LogicalPlan Bounded(LogicalPlan plan, long keep)
    {
        switch (plan)
        {
            case LogicalProject { KeepAll: false } project:
                return project with { Input = Bounded(project.Input, keep) };
            case LogicalUnionAll union:
                return new LogicalLimit(union with { Inputs = [.. union.Inputs.Select(arm => Bounded(arm, keep))] }, 0, keep);
            case LogicalJoin join when PreservedSide(join) is { } left:
                return new LogicalLimit(left
                    ? join with { Left = Bounded(join.Left, keep), Right = Rewrite(join.Right) }
                    : join with { Left = Rewrite(join.Left), Right = Bounded(join.Right, keep) }, 0, keep);
            case LogicalSort { WithTies: false } sort when sort.Limit is not 0:
                // a sort cut to its first rows is a top-N (a WITH TIES sort may return more, so it keeps the LIMIT)
                return TopN(sort with { Limit = Math.Min(sort.Limit ?? long.MaxValue, keep) });
            case LogicalLimit { Count: var count } inner:
            {
                long combined = count is { } c ? Math.Min(c, keep) : keep;
                return Rewrite(inner with { Count = combined });
            }
            default:
                return new LogicalLimit(Rewrite(plan), 0, keep);
        }
    }

    /// <summary>A top-N sort with its bound pushed into its input (the sort itself stays).</summary>
    private LogicalPlan TopN(LogicalSort sort)
    {
        long keep = sort.Limit!.Value;
        switch (sort.Input)
        {
            case LogicalProject { KeepAll: false } project when project.Exprs.All(e => _cannotRaise(e.Expr)):
            {
                var outputs = project.Exprs.ToDictionary(e => e.Column.Id, e => e.Expr);
                var keys = sort.Keys.Select(k => k with { Expr = k.Expr.ReplaceColumns(outputs) }).ToList();
                return project with { Input = TopN(sort with { Input = project.Input, Keys = keys }) };
            }
            case LogicalUnionAll union:
            {
                var arms = new List<LogicalPlan>(union.Inputs.Count);
                foreach (var arm in union.Inputs)
                {
                    var columns = new Dictionary<int, BoundExpr>();
                    for (int i = 0; i < union.Columns.Count; i++) columns[union.Columns[i].Id] = new LogicalColumnRef(arm.Output[i]);
                    var keys = sort.Keys.Select(k => k with { Expr = k.Expr.ReplaceColumns(columns) }).ToList();
                    arms.Add(TopN(new LogicalSort(arm, keys, keep) { WithTies = sort.WithTies }));
                }
                return sort with { Input = union with { Inputs = arms } };
            }
            case LogicalJoin join when PreservedSide(join) is { } left && KeysRead(sort, left ? join.Left : join.Right):
            {
                var side = left ? join.Left : join.Right;
                var bounded = TopN(new LogicalSort(side, sort.Keys, keep) { WithTies = sort.WithTies });
                return sort with
                {
                    Input = left
                        ? join with { Left = bounded, Right = Rewrite(join.Right) }
                        : join with { Left = Rewrite(join.Left), Right = bounded },
                };
            }
            default:
                return sort with { Input = Rewrite(sort.Input) };
        }
    }

    /// <summary>
    /// Left (true) or right (false) when the join is an outer join preserving that side whose
    /// condition cannot raise; null otherwise. Joins that carry a sub-query's special order
    /// (InitPlan, gated, decorrelation domain) are left alone.
    /// </summary>
    private bool? PreservedSide(LogicalJoin join)
    {
        if (join.InitPlan || join.Gated || join.Domain) return null;
        if (join.Condition is { } condition && !_cannotRaise(condition)) return null;
        return join.Kind switch
        {
            LogicalJoinType.Left => true,
            LogicalJoinType.Right => false,
            _ => null,
        };
    }

    /// <summary>Whether every sort key reads only columns of <paramref name="side"/>.</summary>
    private static bool KeysRead(LogicalSort sort, LogicalPlan side)
    {
        var ids = ColumnIds.Of(side.Output);
        return sort.Keys.All(k => k.Expr.ReferencedColumns().All(c => ids.Contains(c.Id)));
    }

    /// <summary>offset + count without overflow (a bound past long.MaxValue is no bound).</summary>
    private static long Add(long offset, long count) => offset > long.MaxValue - count ? long.MaxValue : offset + count;
}
