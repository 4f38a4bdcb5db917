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
/// IS NOT NULL, NOT (pushed down as negate_clause does), AND of any arm, OR of every arm. Runs before predicate pushdown, so the WHERE
/// conjuncts that made a join inner are then pushed into its input.
/// <para>
/// A left (right) join that stays outer is marked <see cref="LogicalJoin.AntiReduced"/> when a
/// conjunct above is `c IS NULL` for a column c of its nullable input and the join's condition cannot
/// be true with c NULL (reduce_outer_joins' JOIN_ANTI: find_forced_null_vars over
/// find_nonnullable_vars): only unmatched rows pass.
/// </para>
/// </summary>
/// <param name="cannotRaise">Whether a predicate cannot raise an error: a decorrelated sub-query's
/// left join (<see cref="LogicalJoin.Subquery"/>) is made inner only by predicates that cannot.
/// Without it, no such join is made inner.</param>
public sealed class OuterJoinSimplification(Func<uint, bool>? isStrictFunction = null, Func<BoundExpr, bool>? cannotRaise = null) : IRewriteRule
{
    public string Name => "outer_join_simplification";

    public LogicalPlan Apply(LogicalPlan plan) => Reduce(plan, []);

    /// <param name="above">Predicates a row of <paramref name="plan"/> must satisfy to reach the output (conjuncts of filters and join conditions above).</param>
    private LogicalPlan Reduce(LogicalPlan plan, IReadOnlyList<BoundExpr> above)
    {
        switch (plan)
        {
            case LogicalFilter filter:
                return filter with { Input = Reduce(filter.Input, [.. above, .. PredicatePushdown.Conjuncts(filter.Predicate)]) };
            case LogicalProject project:
            {
                // Above the projection the predicates read its columns: read the expressions instead.
                var exprs = project.Exprs.ToDictionary(e => e.Column.Id, e => e.Expr);
                var below = above.Select(p => p.ReplaceColumns(exprs)).ToList();
                return project with { Input = Reduce(project.Input, below) };
            }
            case LogicalSort sort when sort.Limit is null:
                return sort with { Input = Reduce(sort.Input, above) };
            case LogicalJoin join:
                return ReduceJoin(join, above);
            default:
                // Aggregates, limits, set operations: a row dropped above is not a row dropped below.
                return plan.MapChildren(c => Reduce(c, []));
        }
    }

    private LogicalJoin ReduceJoin(LogicalJoin join, IReadOnlyList<BoundExpr> above)
    {
        var leftIds = ColumnIds.Of(join.Left.Output);
        var rightIds = ColumnIds.Of(join.Right.Output);
        bool leftRejected = above.Any(p => NotTrueWhenNull(p, leftIds));
        bool rightRejected = !join.Kind.OutputsLeftOnly() && above.Any(p => NotTrueWhenNull(p, rightIds));
        // PostgreSQL runs the quals above a sub-query on every outer row, the sub-query's NULL ones
        // included: a qual that may raise must see them, so the join stays a left join.
        if (join.Subquery && above.Any(p => p.ReferencedColumns().Any(c => rightIds.Contains(c.Id)) && cannotRaise?.Invoke(p) != true))
            rightRejected = false;
        var kind = (join.Kind, leftRejected, rightRejected) switch
        {
            (LogicalJoinType.Left, _, true) => LogicalJoinType.Inner,
            (LogicalJoinType.Right, true, _) => LogicalJoinType.Inner,
            (LogicalJoinType.Full, true, true) => LogicalJoinType.Inner,
            (LogicalJoinType.Full, true, false) => LogicalJoinType.Left,
            (LogicalJoinType.Full, false, true) => LogicalJoinType.Right,
            _ => join.Kind,
        };
        List<BoundExpr> on = join.Condition is null ? [] : PredicatePushdown.Conjuncts(join.Condition);
        bool antiReduced = kind switch
        {
            LogicalJoinType.Left => IsAntiJoin(join, above, rightIds),
            LogicalJoinType.Right => IsAntiJoin(join, above, leftIds),
            _ => false,
        };
        // A row of an input reaches the output only through the join's kind: an input whose unmatched
        // rows are dropped (not preserved) must satisfy the condition; a preserved input only what is
        // required above. A null-aware anti join's NULL keys decide its result: nothing passes there.
        List<BoundExpr> left = [], right = [];
        switch (kind)
        {
            case LogicalJoinType.Inner:
                left = [.. above, .. on];
                right = [.. above, .. on];
                break;
            case LogicalJoinType.Left or LogicalJoinType.Anti:
                left = [.. above];
                right = on;
                break;
            case LogicalJoinType.Semi:
                left = [.. above, .. on];
                right = on;
                break;
            case LogicalJoinType.Right:
                left = on;
                right = [.. above];
                break;
            case LogicalJoinType.NullAwareAnti:
                left = [.. above];
                break;
        }
        return join with { Kind = kind, AntiReduced = antiReduced, Left = Reduce(join.Left, left), Right = Reduce(join.Right, right) };
    }

    /// <summary>
    /// Whether an outer join whose nullable input has the columns <paramref name="nullable"/> is an anti
    /// join to PostgreSQL: a conjunct above is `c IS NULL` of one of those columns (a plain column, as
    /// find_forced_null_var takes only a Var) and the join's condition is false or NULL when c is NULL.
    /// Only a join written in FROM: a decorrelated sub-query's left join (<see cref="LogicalJoin.Subquery"/>)
    /// is a SubPlan to PostgreSQL, and a domain or gated join is no join of its FROM list.
    /// </summary>
    private bool IsAntiJoin(LogicalJoin join, IReadOnlyList<BoundExpr> above, HashSet<int> nullable)
    {
        if (join.Condition is null || join.Subquery || join.SubPlan || join.InitPlan || join.Domain || join.Gated || join.LateralInner) return false;
        foreach (var conjunct in above)
            if (conjunct is BoundNullTest { IsNotNull: false, Arg: LogicalColumnRef c } && nullable.Contains(c.Column.Id)
                && NotTrueWhenNull(join.Condition, [c.Column.Id]))
                return true;
        return false;
    }

    /// <summary>
    /// Whether <paramref name="predicate"/> is false or NULL when every column in <paramref name="side"/>
    /// is NULL (find_nonnullable_rels at top level): AND of any arm, OR of every arm, NOT x and
    /// x IS NOT NULL when x is then NULL, any other predicate when it is then NULL.
    /// </summary>
    private bool NotTrueWhenNull(BoundExpr predicate, HashSet<int> side) => predicate switch
    {
        BoundBoolExpr { Op: BoolOp.And } and => and.Args.Any(a => NotTrueWhenNull(a, side)),
        BoundBoolExpr { Op: BoolOp.Or } or => or.Args.All(a => NotTrueWhenNull(a, side)),
        BoundBoolExpr { Op: BoolOp.Not, Args: [var x] } => NegationNotTrueWhenNull(x, side),
        BoundNullTest { IsNotNull: true } test => NullWhenNull(test.Arg, side),
        _ => NullWhenNull(predicate, side),
    };

    /// <summary>
    /// <see cref="NotTrueWhenNull"/> of `NOT x`, read as PostgreSQL reads it: eval_const_expressions
    /// runs before reduce_outer_joins and pushes the NOT down (negate_clause), so `NOT (x IS NULL)`
    /// is `x IS NOT NULL`, `NOT (a OR b)` is `NOT a AND NOT b`, `NOT (a AND b)` is `NOT a OR NOT b`
    /// and `NOT NOT x` is x (seed 161 case 474: a FULL JOIN under `NOT (a.c2 IS NULL)` and a strict
    /// qual on b is an inner join there; pg_fusion kept a left join, read its preserved side first
    /// and raised 22003 from that side's filter, where PostgreSQL's inner join over the empty
    /// other side never evaluated it).
    /// </summary>
    private bool NegationNotTrueWhenNull(BoundExpr x, HashSet<int> side) => x switch
    {
        BoundNullTest test => !test.IsNotNull && NullWhenNull(test.Arg, side),
        BoundBoolExpr { Op: BoolOp.Not, Args: [var y] } => NotTrueWhenNull(y, side),
        BoundBoolExpr { Op: BoolOp.And } and => and.Args.All(a => NegationNotTrueWhenNull(a, side)),
        BoundBoolExpr { Op: BoolOp.Or } or => or.Args.Any(a => NegationNotTrueWhenNull(a, side)),
        _ => NullWhenNull(x, side),
    };

    /// <summary>Whether <paramref name="e"/> is NULL when every column in <paramref name="side"/> is NULL.</summary>
    private bool NullWhenNull(BoundExpr e, HashSet<int> side) => e switch
    {
        LogicalColumnRef r => side.Contains(r.Column.Id),
        BoundRelabel relabel => NullWhenNull(relabel.Arg, side),
        BoundFuncCall f when IsStrict(f) => f.Args.Any(a => NullWhenNull(a, side)),
        _ => false,
    };

    private bool IsStrict(BoundFuncCall f) =>
        (f.Args.Count == 2 && PhysicalPlanner.IsStrictComparison(f)) || (isStrictFunction?.Invoke(f.FuncOid) ?? false);
}
