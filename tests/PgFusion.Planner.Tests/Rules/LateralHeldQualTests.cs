using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;
using Xunit;
using static PgFusion.Planner.Tests.Rules.RuleFixtures;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// PredicatePushdown over the join of a LATERAL sub-query PostgreSQL plans as a level of its own
/// (<see cref="LogicalJoin.LateralInner"/>): a conjunct over the sub-query that can raise stays above
/// the join (PostgreSQL tests it only on the rows the sub-query returns for the outer rows, seed 522
/// case 200), in PostgreSQL's order: the quals it pushes into the sub-query first, then its Subquery
/// Scan's filter (seed 524 case 364), then the join's other quals. Conjuncts that cannot raise and
/// the correlation equality are pushed as before.
/// </summary>
public sealed class LateralHeldQualTests
{
    private static readonly LogicalColumn AId = new(1, "id", PgType.Int4);
    private static readonly LogicalColumn AK = new(2, "k", PgType.Int4);
    private static readonly LogicalColumn AD = new(3, "d", PgType.Int4);
    private static readonly LogicalColumn BK = new(4, "key", PgType.Int4);
    private static readonly LogicalColumn BV = new(5, "v", PgType.Int4);
    private static readonly LogicalColumn CV = new(6, "cv", PgType.Int4);

    private static BoundFuncCall Call(string name, BoundExpr a, BoundExpr b, PgType? type = null) => new(1, name, [a, b], type ?? PgType.Bool);

    private static LogicalColumnRef R(LogicalColumn c) => new(c);

    private static BoundConst I(int v) => new(v, PgType.Int4);

    /// <summary>Only int4div raises.</summary>
    private static readonly PredicatePushdown Rule = new(e => !e.AnyNode(static d => d is BoundFuncCall { Name: "int4div" }));

    private static readonly BoundExpr Key = Call("int4eq", R(AK), R(BK));
    private static readonly BoundExpr RightOnlyRaising = Call("int4gt", Call("int4div", I(100), R(BV), PgType.Int4), I(10));
    private static readonly BoundExpr RightOnlySafe = Call("int4gt", R(BV), I(4));
    private static readonly BoundExpr JoinRaising = Call("int4gt", Call("int4div", R(BV), R(AD), PgType.Int4), I(0));

    private static LogicalPlan Over(LogicalPlan right, bool lateralInner, params BoundExpr[] conjuncts) =>
        new LogicalFilter(new LogicalJoin(Scan(1, "a", AId, AK, AD), right, LogicalJoinType.Inner, null) { LateralInner = lateralInner },
            new BoundBoolExpr(BoolOp.And, conjuncts));

    private static List<BoundExpr> Conjuncts(LogicalPlan plan) => PredicatePushdown.Conjuncts(Assert.IsType<LogicalFilter>(plan).Predicate);

    [Fact]
    public void A_raising_qual_over_a_limited_lateral_sub_query_stays_above_the_join()
    {
        var right = new LogicalLimit(Scan(2, "b", BK, BV), 0, 1);
        var result = Rule.Apply(Over(right, lateralInner: true, Key, RightOnlyRaising, RightOnlySafe));
        var held = Assert.IsType<LogicalFilter>(result);
        Assert.Equal([RightOnlyRaising], Conjuncts(held), BoundExprComparer.Instance);
        var join = Assert.IsType<LogicalJoin>(held.Input);
        Assert.Equal([Key], PredicatePushdown.Conjuncts(join.Condition!), BoundExprComparer.Instance);
        // the qual that cannot raise still filters the sub-query's rows
        Assert.Equal([RightOnlySafe], Conjuncts(join.Right), BoundExprComparer.Instance);
    }

    [Fact]
    public void Over_a_sub_query_that_is_pulled_up_the_qual_goes_below_the_join()
    {
        var result = Rule.Apply(Over(new LogicalLimit(Scan(2, "b", BK, BV), 0, 1), lateralInner: false, Key, RightOnlyRaising));
        var join = Assert.IsType<LogicalJoin>(result);
        Assert.Equal([RightOnlyRaising], Conjuncts(join.Right), BoundExprComparer.Instance);
    }

    [Fact]
    public void The_quals_pushed_into_the_sub_query_run_before_the_scan_filter_and_the_join_qual_after_both()
    {
        // no LIMIT: PostgreSQL pushes the sub-query's own qual into it (HAVING / WHERE), before its
        // Subquery Scan's filter (the join qual over a); a qual over another relation c comes last
        var outer = new LogicalJoin(Scan(1, "a", AId, AK, AD), Scan(3, "c", CV), LogicalJoinType.Inner, null);
        var otherRaising = Call("int4gt", Call("int4div", R(BV), R(CV), PgType.Int4), I(0));
        var plan = new LogicalFilter(new LogicalJoin(outer, Scan(2, "b", BK, BV), LogicalJoinType.Inner, null) { LateralInner = true },
            new BoundBoolExpr(BoolOp.And, [otherRaising, JoinRaising, Key, RightOnlyRaising]));
        var last = Assert.IsType<LogicalFilter>(Rule.Apply(plan));
        Assert.Equal([otherRaising], Conjuncts(last), BoundExprComparer.Instance);
        var scanFilter = Assert.IsType<LogicalFilter>(last.Input);
        Assert.Equal([JoinRaising], Conjuncts(scanFilter), BoundExprComparer.Instance);
        var pushed = Assert.IsType<LogicalFilter>(scanFilter.Input);
        Assert.Equal([RightOnlyRaising], Conjuncts(pushed), BoundExprComparer.Instance);
        var join = Assert.IsType<LogicalJoin>(pushed.Input);
        Assert.Equal([Key], PredicatePushdown.Conjuncts(join.Condition!), BoundExprComparer.Instance);
    }

    [Fact]
    public void An_inner_lateral_joins_raising_on_qual_is_held_as_a_where_qual()
    {
        var join = new LogicalJoin(Scan(1, "a", AId, AK, AD), new LogicalLimit(Scan(2, "b", BK, BV), 0, 1), LogicalJoinType.Inner,
            new BoundBoolExpr(BoolOp.And, [Key, RightOnlyRaising])) { LateralInner = true };
        var held = Assert.IsType<LogicalFilter>(Rule.Apply(join));
        Assert.Equal([RightOnlyRaising], Conjuncts(held), BoundExprComparer.Instance);
        Assert.Equal([Key], PredicatePushdown.Conjuncts(Assert.IsType<LogicalJoin>(held.Input).Condition!), BoundExprComparer.Instance);
    }

    [Fact]
    public void A_left_lateral_joins_raising_on_qual_stays_in_its_condition()
    {
        var join = new LogicalJoin(Scan(1, "a", AId, AK, AD), new LogicalLimit(Scan(2, "b", BK, BV), 0, 1), LogicalJoinType.Left,
            new BoundBoolExpr(BoolOp.And, [Key, RightOnlyRaising, RightOnlySafe])) { LateralInner = true };
        var result = Assert.IsType<LogicalJoin>(Rule.Apply(join));
        Assert.Equal([Key, RightOnlyRaising], PredicatePushdown.Conjuncts(result.Condition!), BoundExprComparer.Instance);
        Assert.Equal([RightOnlySafe], Conjuncts(result.Right), BoundExprComparer.Instance);
    }
}
