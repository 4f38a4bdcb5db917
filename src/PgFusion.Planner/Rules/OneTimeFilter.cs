using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Rules;

/// <summary>
/// A filter whose predicate folded to a constant false or NULL conjunct is PostgreSQL's one-time
/// filter (a gating Result node, or a dummy relation): nothing beneath it runs, so no expression
/// below raises an error, even one computed before the filter (a projection, a materialized CTE's
/// select list). The filter stays and every leaf beneath it gets a constant false filter too, so
/// no row reaches any operator of the subtree. A join condition that folded to false gates the
/// inputs PostgreSQL never runs for it in the same way. A HAVING over grouping sets is no one-time
/// filter: PostgreSQL aggregates every row first (see <see cref="LogicalFilter.OverGroupingSets"/>).
/// A filter's conjuncts that read no column but call a stable function (they do not fold) become
/// a one-time filter of their own above it (<see cref="LogicalFilter.OneTime"/>), evaluated once
/// before its input is read.
/// </summary>
public sealed class OneTimeFilter : IRewriteRule
{
    private static readonly BoundConst False = new(false, PgType.Bool);

    public string Name => "one_time_filter";

    public LogicalPlan Apply(LogicalPlan plan) => Gate(plan);

    private static LogicalPlan Gate(LogicalPlan plan) => plan switch
    {
        LogicalFilter { Having: true, OverGroupingSets: false, OneTime: false, CopiedToWhere: false } f when CopyDegenerateHaving(f) is { } copied => copied,
        LogicalFilter { OverGroupingSets: false } f when IsConstantFalse(f.Predicate) => f.Input.Children.Count == 0 ? f : f with { Input = StopLeaves(f.Input) },
        // A constant false or NULL HAVING over grouping sets is tested per group in the aggregate node,
        // after every row is aggregated but before the select list's sub-queries, SubPlans run only for
        // the groups it keeps: none (seed 800 case 1863: the sub-query's LIKE raised 22025).
        LogicalFilter { OverGroupingSets: true, Input: LogicalJoin { Kind: LogicalJoinType.Left } } f when IsConstantFalse(f.Predicate) =>
            f with { Input = StopSelectListSubqueries(f.Input) },
        // A join whose condition folded to false: PostgreSQL marks an inner or semi join relation
        // dummy (neither input runs), and the nullable side of a left, right or anti join dummy
        // (populate_joinrel_with_paths); a full join still runs both sides.
        LogicalJoin { Condition: { } c, Kind: LogicalJoinType.Inner or LogicalJoinType.Semi } j when IsConstantFalse(c) =>
            j with { Left = StopLeaves(j.Left), Right = StopLeaves(j.Right) },
        LogicalJoin { Condition: { } c, Kind: LogicalJoinType.Left or LogicalJoinType.Anti } j when IsConstantFalse(c) =>
            j with { Left = Gate(j.Left), Right = StopLeaves(j.Right) },
        LogicalJoin { Condition: { } c, Kind: LogicalJoinType.Right } j when IsConstantFalse(c) =>
            j with { Left = StopLeaves(j.Left), Right = Gate(j.Right) },
        // A join PostgreSQL proves empty (populate_joinrel_with_paths marks it dummy): an inner or
        // semi join with an input that keeps no row, a left or anti join whose left input keeps none,
        // a right join whose right one keeps none, a full join whose inputs both do. Its plan is a
        // Result with a false One-Time Filter: nothing beneath runs, not the other input, not an
        // uncorrelated EXISTS only a qual over it reads (seed 525 case 92: `a.c3 = ANY (SELECT ...
        // WHERE id <= NULL)` made t3's join empty, and PostgreSQL never ran the EXISTS whose LIKE raised).
        LogicalJoin j when IsDummy(j) => j with { Left = StopLeaves(j.Left), Right = StopLeaves(j.Right) },
        // The pseudoconstant conjuncts of inner joins' ON clauses in this join tree: PostgreSQL's
        // gating quals too (distribute_qual_to_rels marks a clause without relids pseudoconstant and,
        // when it is not below an outer join, gives it the whole join tree's relids), so the One-Time
        // Filter goes above the join tree, evaluated before any input runs (an ON clause's gate that
        // raises raises over empty inputs too). Inner joins on an outer join's nullable side keep
        // theirs at their own level: reached by this recursion, they lift them above themselves.
        LogicalJoin j when LiftOnGates(j, out var lifted) is { Count: > 0 } onGates =>
            new LogicalFilter(Gate(lifted), PredicateSimplification.Conjunction(onGates)) { OneTime = true },
        LogicalFilter { OverGroupingSets: false, OneTime: false } f when SplitGates(f.Predicate) is var (gates, rest) && gates.Count > 0 =>
            PlaceGates(f, gates, rest),
        _ => plan.MapChildren(Gate),
    };

    /// <summary>
    /// A HAVING without GROUP BY whose conjuncts read no column (a constant false or NULL, or a
    /// pseudoconstant that did not fold): subquery_planner puts a copy of each in WHERE, after the
    /// WHERE's own quals, and keeps it in HAVING. In WHERE it is a pseudoconstant qual of the gating
    /// Result's One-Time Filter, whose quals all cost nothing per row, so they run in the written
    /// order: the WHERE's own gates first (an uncorrelated [NOT] EXISTS or scalar sub-query tested
    /// alone, whose InitPlan runs and can raise), then the HAVING's (seed 740 case 934: the NOT EXISTS
    /// raised 22025 before the HAVING's NULL shut the gate). A constant false or NULL copy makes a
    /// join relation dummy (restriction_is_constant_false: nothing beneath runs, not even the WHERE's
    /// gates), but not a single relation with other quals (PostgreSQL 15's relation_excluded_by_constraints
    /// looks only at a lone restriction clause), whose gates then still run. The HAVING stays as it is:
    /// over no row the aggregate still makes one, which it drops. Null when the filter is no such HAVING.
    /// </summary>
    private static LogicalFilter? CopyDegenerateHaving(LogicalFilter having)
    {
        var conjuncts = PredicatePushdown.Conjuncts(having.Predicate);
        var gates = conjuncts.Where(c => c is BoundConst { Value: false or null } || QualOrdering.IsPseudoconstant(c)).ToList();
        if (gates.Count == 0 || !ReachesUngroupedAggregate(having.Input)) return null;
        bool shut = gates.Any(c => c is BoundConst { Value: false or null });
        return having with { Input = Copy(having.Input), CopiedToWhere = true };

        // The aggregate is the filter's input or the left input of the joins of sub-queries
        // evaluated over its row (select-list sub-queries: they run only for a row the HAVING keeps).
        // (GROUP BY () is the one arm of a grouping-sets union here, with no GROUP BY to PostgreSQL.)
        LogicalPlan Copy(LogicalPlan p) => p switch
        {
            LogicalAggregate a => a with { Input = IntoWhere(a.Input, gates, shut) },
            LogicalJoin j => j with { Left = Copy(j.Left), Right = shut ? StopLeaves(j.Right) : Gate(j.Right) },
            LogicalProject pr => pr with { Input = Copy(pr.Input) },
            LogicalUnionAll { Inputs: [var arm] } u => u with { Inputs = [Copy(arm)] },
            _ => p,
        };
    }

    /// <summary>
    /// An aggregate without group keys that computes an aggregate: without one (and without GROUP BY)
    /// PostgreSQL's grouping is degenerate (is_degenerate_grouping), a Result that tests the HAVING
    /// and never runs the FROM and WHERE, gates included.
    /// </summary>
    private static bool ReachesUngroupedAggregate(LogicalPlan plan) => plan switch
    {
        LogicalAggregate a => a.GroupKeys.Count == 0 && a.Aggregates.Count > 0,
        LogicalJoin j => ReachesUngroupedAggregate(j.Left),
        LogicalProject p => ReachesUngroupedAggregate(p.Input),
        LogicalUnionAll { Inputs: [var arm] } => ReachesUngroupedAggregate(arm),
        _ => false,
    };

    /// <summary>
    /// <paramref name="gates"/> as the last quals of the gating Result of the WHERE's relation
    /// <paramref name="plan"/>: below the WHERE's own gates (the one-row sub-queries tested alone, its
    /// one-time filters), above the relation, whose input never runs when they shut (<paramref name="shut"/>:
    /// a constant false or NULL is among them). When the relation is a join, a shut gate makes it dummy.
    /// </summary>
    private static LogicalPlan IntoWhere(LogicalPlan plan, IReadOnlyList<BoundExpr> gates, bool shut)
    {
        if (shut && Relation(plan) is LogicalJoin) return StopLeaves(plan);
        return Place(plan);

        LogicalPlan Place(LogicalPlan p) => p switch
        {
            LogicalJoin j when IsWhereGate(j) => j with { Left = Place(j.Left), Right = Gate(j.Right) },
            // a one-row sub-query only the relation's quals read: its InitPlan runs only when a row is read
            LogicalJoin j when PredicatePushdown.IsInitPlanJoin(j) => j with { Left = Place(j.Left), Right = shut ? StopLeaves(j.Right) : Gate(j.Right) },
            LogicalFilter { OneTime: true } f => f with { Input = Place(f.Input) },
            LogicalFilter { OverGroupingSets: false } f when !ReferenceEquals(Relation(f), f) => f with { Input = Place(f.Input) },
            LogicalProject { PlannedSubquery: false } pr when !ReferenceEquals(Relation(pr), pr) => pr with { Input = Place(pr.Input) },
            _ when shut => StopLeaves(p),
            _ => Beneath(Gate(p)),
        };

        // under the one-time filters Gate lifted from the relation's own quals (the WHERE's gates come first)
        LogicalPlan Beneath(LogicalPlan p) => p is LogicalFilter { OneTime: true } f
            ? f with { Input = Beneath(f.Input) }
            : new LogicalFilter(p, PredicateSimplification.Conjunction([.. gates])) { OneTime = true };
    }

    /// <summary>
    /// A filter's pseudoconstant conjuncts as a one-time filter above it. Over the WHERE's uncorrelated
    /// [NOT] EXISTS joins (InitPlans to PostgreSQL, whose tests are quals of the same gating Result), they
    /// keep the written order: all of that Result's quals cost nothing per row (a pseudoconstant's cost
    /// counts once, at startup), so order_qual_clauses leaves them as written, and one written after an
    /// EXISTS runs after it, below its join, which reads its sub-query first (seed 799 case 3999: `NOT
    /// EXISTS (..) AND (date(timestamptz ..) - date 'infinity') &lt; 'NaN'`, the NOT EXISTS false, so the
    /// subtraction that raises never ran).
    /// </summary>
    private static LogicalPlan PlaceGates(LogicalFilter f, List<BoundExpr> gates, List<BoundExpr> rest)
    {
        var input = Gate(f.Input);
        if (!f.Having && input is LogicalJoin j && IsExistsGate(j) && gates.Any(g => WrittenAfter(g, j)))
        {
            var sunk = Sink(input, gates);
            return rest.Count == 0 ? sunk : f with { Predicate = PredicateSimplification.Conjunction(rest), Input = sunk };
        }
        return new LogicalFilter(rest.Count == 0 ? input : f with { Predicate = PredicateSimplification.Conjunction(rest), Input = input },
            PredicateSimplification.Conjunction(gates)) { OneTime = true };

        static LogicalPlan Sink(LogicalPlan p, List<BoundExpr> pending)
        {
            if (p is not LogicalJoin join || !IsExistsGate(join)) return OneTime(p, pending);
            var after = pending.Where(g => WrittenAfter(g, join)).ToList();
            var before = pending.Where(g => !WrittenAfter(g, join)).ToList();
            var sunk = after.Count == 0 ? join : join with { Left = Sink(join.Left, after) };
            return before.Count == 0 ? sunk : OneTime(sunk, before);
        }

        static LogicalPlan OneTime(LogicalPlan p, List<BoundExpr> conjuncts) =>
            new LogicalFilter(p, PredicateSimplification.Conjunction(conjuncts)) { OneTime = true };
    }

    /// <summary>An uncorrelated [NOT] EXISTS of the WHERE: a semi or anti join without a condition.</summary>
    private static bool IsExistsGate(LogicalJoin j) => j is { Kind: LogicalJoinType.Semi or LogicalJoinType.Anti, Condition: null };

    /// <summary>Whether the WHERE conjunct <paramref name="conjunct"/> was written after <paramref name="gate"/>'s EXISTS (<see cref="LogicalJoin.QualsWrittenBefore"/>).</summary>
    private static bool WrittenAfter(BoundExpr conjunct, LogicalJoin gate) => !gate.QualsWrittenBefore.Contains(conjunct, BoundExprComparer.Instance);

    /// <summary>An uncorrelated [NOT] EXISTS (a semi or anti join without a condition) or a gated one-row sub-query: a WHERE gate.</summary>
    private static bool IsWhereGate(LogicalJoin j) => IsExistsGate(j) || j is { Kind: LogicalJoinType.Inner, Gated: true };

    /// <summary>The WHERE's relation under its gates, filters and select lists (a scan, a planned sub-query or a join).</summary>
    private static LogicalPlan Relation(LogicalPlan plan) => plan switch
    {
        LogicalJoin j when IsWhereGate(j) || PredicatePushdown.IsInitPlanJoin(j) => Relation(j.Left),
        LogicalFilter { OverGroupingSets: false } f => Relation(f.Input),
        LogicalProject { PlannedSubquery: false } p => Relation(p.Input),
        _ => plan,
    };

    /// <summary>
    /// A filter's pseudoconstant conjuncts (<see cref="QualOrdering.IsPseudoconstant"/>: no column,
    /// a stable call, so they did not fold) and the others. PostgreSQL makes the former the One-Time
    /// Filter of a gating Result right above the relation (scan or join tree) whose quals held them
    /// (create_gating_plan): evaluated once when the Result is first asked for a row, before its
    /// input runs, so it raises its error even over an empty table, and when it is false or NULL
    /// nothing beneath runs (seed 525 case 1224). Its filter goes above the filter of the others.
    /// A HAVING over grouping sets stays one filter (PostgreSQL tests it per group).
    /// </summary>
    private static (List<BoundExpr> Gates, List<BoundExpr> Others) SplitGates(BoundExpr predicate)
    {
        var conjuncts = predicate is BoundBoolExpr { Op: BoolOp.And, FromScalarArray: false } and ? and.Args : [predicate];
        return ([.. conjuncts.Where(QualOrdering.IsPseudoconstant)], [.. conjuncts.Where(c => !QualOrdering.IsPseudoconstant(c))]);
    }

    /// <summary>
    /// Takes the pseudoconstant conjuncts out of the ON conditions of the inner joins in
    /// <paramref name="join"/>'s join tree that are not below an outer join's nullable side: through
    /// inner joins' inputs, an outer, semi or anti join's preserved input, filters and pulled-up select
    /// lists; a sub-query's own join tree (any other node) is its own. <paramref name="rest"/> is the
    /// tree without them (a condition left empty becomes a cross join's null).
    /// </summary>
    private static List<BoundExpr> LiftOnGates(LogicalJoin join, out LogicalPlan rest)
    {
        var gates = new List<BoundExpr>();
        rest = Lift(join, gates);
        return gates;

        static LogicalPlan Lift(LogicalPlan plan, List<BoundExpr> gates)
        {
            switch (plan)
            {
                case LogicalJoin { Kind: LogicalJoinType.Inner } j:
                {
                    var condition = j.Condition;
                    if (condition is not null && SplitGates(condition) is var (found, others) && found.Count > 0)
                    {
                        gates.AddRange(found);
                        condition = others.Count == 0 ? null : PredicateSimplification.Conjunction(others);
                    }
                    var left = Lift(j.Left, gates);
                    var right = Lift(j.Right, gates);
                    return ReferenceEquals(condition, j.Condition) && ReferenceEquals(left, j.Left) && ReferenceEquals(right, j.Right)
                        ? j : j with { Condition = condition, Left = left, Right = right };
                }
                case LogicalJoin { Kind: LogicalJoinType.Left or LogicalJoinType.Semi or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti } j:
                    return Lift(j.Left, gates) is var l && ReferenceEquals(l, j.Left) ? j : j with { Left = l };
                case LogicalJoin { Kind: LogicalJoinType.Right } j:
                    return Lift(j.Right, gates) is var r && ReferenceEquals(r, j.Right) ? j : j with { Right = r };
                case LogicalFilter { OverGroupingSets: false } f:
                    return Lift(f.Input, gates) is var i && ReferenceEquals(i, f.Input) ? f : f with { Input = i };
                case LogicalProject { KeepAll: false, PlannedSubquery: false } p when p.Input is LogicalJoin or LogicalFilter:
                    return Lift(p.Input, gates) is var pi && ReferenceEquals(pi, p.Input) ? p : p with { Input = pi };
                default:
                    return plan;
            }
        }
    }

    /// <summary>
    /// A relation PostgreSQL's planner proves empty: a table whose restriction has a constant false
    /// or NULL conjunct (relation_excluded_by_constraints), a pulled-up select list over one, and the
    /// joins populate_joinrel_with_paths marks dummy over them.
    /// </summary>
    private static bool IsDummy(LogicalPlan plan) => plan switch
    {
        LogicalFilter { OverGroupingSets: false, Input: LogicalScan } f => IsConstantFalse(f.Predicate),
        LogicalProject { KeepAll: false, PlannedSubquery: false } p => IsDummy(p.Input),
        LogicalJoin { Kind: LogicalJoinType.Inner or LogicalJoinType.Semi } j => IsDummy(j.Left) || IsDummy(j.Right),
        LogicalJoin { Kind: LogicalJoinType.Left or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti } j => IsDummy(j.Left),
        LogicalJoin { Kind: LogicalJoinType.Right } j => IsDummy(j.Right),
        LogicalJoin { Kind: LogicalJoinType.Full } j => IsDummy(j.Left) && IsDummy(j.Right),
        _ => false,
    };

    /// <summary>A constant false filter over every leaf beneath, down to a filter that already keeps no row.</summary>
    /// <summary>The joins of select-list sub-queries (<see cref="LogicalJoin.Subquery"/> left joins) over a grouping: their sub-queries never run, the grouping does.</summary>
    private static LogicalPlan StopSelectListSubqueries(LogicalPlan plan) => plan is LogicalJoin { Kind: LogicalJoinType.Left, Subquery: true } j
        ? j with { Left = StopSelectListSubqueries(j.Left), Right = StopLeaves(j.Right) }
        : Gate(plan);

    private static LogicalPlan StopLeaves(LogicalPlan plan) =>
        PredicatePushdown.PrependToLeaves(plan, [False], static p => p is LogicalFilter { OverGroupingSets: false } f && IsConstantFalse(f.Predicate));

    /// <summary>A predicate with a constant false or NULL conjunct: it keeps no row.</summary>
    public static bool IsConstantFalse(BoundExpr predicate) =>
        predicate is BoundConst { Value: false or null } || (predicate is BoundBoolExpr { Op: BoolOp.And } and && and.Args.Any(a => a is BoundConst { Value: false or null }));
}
