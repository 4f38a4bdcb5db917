using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;
using Xunit;
using static PgFusion.Planner.Tests.Rules.RuleFixtures;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// OuterJoinSimplification marks a left join PostgreSQL reduces to an anti join (reduce_outer_joins'
/// JOIN_ANTI, seed 795 case 1745): a conjunct above forces NULL a column of the nullable input that the
/// join's condition is strict in.
/// </summary>
public sealed class AntiJoinReductionTests
{
    private static readonly LogicalColumn AId = new(1, "id", PgType.Int4);
    private static readonly LogicalColumn AK = new(2, "k", PgType.Int4);
    private static readonly LogicalColumn CK = new(3, "k", PgType.Int4);
    private static readonly LogicalColumn CV = new(4, "v", PgType.Int4);

    private static LogicalColumnRef R(LogicalColumn c) => new(c);

    private static readonly BoundExpr Key = new BoundFuncCall(65, "int4eq", [R(AK), R(CK)], PgType.Bool);

    private static LogicalJoin Reduced(LogicalJoinType kind, BoundExpr where, bool subquery = false)
    {
        var (left, right) = kind == LogicalJoinType.Right ? ((LogicalPlan)Scan(2, "c", CK, CV), (LogicalPlan)Scan(1, "a", AId, AK)) : (Scan(1, "a", AId, AK), Scan(2, "c", CK, CV));
        var plan = new LogicalFilter(new LogicalJoin(left, right, kind, Key) { Subquery = subquery }, where);
        var filter = Assert.IsType<LogicalFilter>(new OuterJoinSimplification().Apply(plan));
        return Assert.IsType<LogicalJoin>(filter.Input);
    }

    [Fact]
    public void Is_null_of_a_strict_join_column_makes_an_anti_join()
    {
        var join = Reduced(LogicalJoinType.Left, new BoundNullTest(R(CK), IsNotNull: false));
        Assert.Equal(LogicalJoinType.Left, join.Kind);
        Assert.True(join.AntiReduced);
        Assert.True(Reduced(LogicalJoinType.Right, new BoundNullTest(R(CK), IsNotNull: false)).AntiReduced);
    }

    [Fact]
    public void Is_null_of_another_column_or_of_the_preserved_side_does_not()
    {
        Assert.False(Reduced(LogicalJoinType.Left, new BoundNullTest(R(CV), IsNotNull: false)).AntiReduced);
        Assert.False(Reduced(LogicalJoinType.Left, new BoundNullTest(R(AK), IsNotNull: false)).AntiReduced);
        // under an OR the column is not forced NULL
        var or = new BoundBoolExpr(BoolOp.Or, [new BoundNullTest(R(CK), IsNotNull: false), new BoundNullTest(R(AId), IsNotNull: false)]);
        Assert.False(Reduced(LogicalJoinType.Left, or).AntiReduced);
    }

    [Fact]
    public void A_decorrelated_sub_query_join_is_no_anti_join()
    {
        Assert.False(Reduced(LogicalJoinType.Left, new BoundNullTest(R(CK), IsNotNull: false), subquery: true).AntiReduced);
    }

    [Fact]
    public void A_strict_qual_above_still_makes_the_join_inner()
    {
        var both = new BoundBoolExpr(BoolOp.And, [new BoundNullTest(R(CK), IsNotNull: false), new BoundNullTest(R(CV), IsNotNull: true)]);
        var join = Reduced(LogicalJoinType.Left, both);
        Assert.Equal(LogicalJoinType.Inner, join.Kind);
        Assert.False(join.AntiReduced);
    }
}
