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
        LogicalFilter { OverGroupingSets: false } f when IsConstantFalse(f.Predicate) => f.Input.Children.Count == 0 ? f : f with { Input = StopLeaves(f.Input) },
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
            new LogicalFilter(rest.Count == 0 ? Gate(f.Input) : f with { Predicate = PredicateSimplification.Conjunction(rest), Input = Gate(f.Input) },
                PredicateSimplification.Conjunction(gates)) { OneTime = true },
        _ => plan.MapChildren(Gate),
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
    private static LogicalPlan StopLeaves(LogicalPlan plan) =>
        PredicatePushdown.PrependToLeaves(plan, [False], static p => p is LogicalFilter { OverGroupingSets: false } f && IsConstantFalse(f.Predicate));

    /// <summary>A predicate with a constant false or NULL conjunct: it keeps no row.</summary>
    public static bool IsConstantFalse(BoundExpr predicate) =>
        predicate is BoundConst { Value: false or null } || (predicate is BoundBoolExpr { Op: BoolOp.And } and && and.Args.Any(a => a is BoundConst { Value: false or null }));
}
