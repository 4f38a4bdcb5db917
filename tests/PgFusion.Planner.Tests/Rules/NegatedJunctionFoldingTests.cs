using PgFusion.Planner.Binding;
using PgFusion.Planner.Rules;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// ConstantFolding pushes a NOT through an AND/OR that holds a constant operand (De Morgan, as
/// eval_const_expressions' negate_clause does), so that a constant false or NULL conjunct appears
/// and OneTimeFilter can gate the filter (seed 349 case 191: NOT (c NOT BETWEEN NULL AND 7)).
/// </summary>
public sealed class NegatedJunctionFoldingTests
{
    private static readonly BoundFuncCall Gt7 = RuleFixtures.C1Gt7;
    private static readonly BoundFuncCall Lt0 = RuleFixtures.C1Lt0;

    [Fact]
    public void Not_over_or_with_a_null_operand_becomes_a_null_conjunct()
    {
        var notBetween = new BoundBoolExpr(BoolOp.Or, [new BoundConst(null, PgType.Bool), Gt7]);
        var folded = ConstantFolding.Fold(new BoundBoolExpr(BoolOp.Not, [notBetween]));
        var and = Assert.IsType<BoundBoolExpr>(folded);
        Assert.Equal(BoolOp.And, and.Op);
        Assert.Equal(new BoundConst(null, PgType.Bool), and.Args[0]);
        var negated = Assert.IsType<BoundBoolExpr>(and.Args[1]);
        Assert.Equal(BoolOp.Not, negated.Op);
        Assert.Same(Gt7, Assert.Single(negated.Args));
        Assert.True(OneTimeFilter.IsConstantFalse(folded));
    }

    [Fact]
    public void Not_over_or_with_a_true_operand_is_false()
    {
        var or = new BoundBoolExpr(BoolOp.Or, [Gt7, new BoundConst(true, PgType.Bool)]);
        Assert.Equal(new BoundConst(false, PgType.Bool), ConstantFolding.Fold(new BoundBoolExpr(BoolOp.Not, [or])));
    }

    [Fact]
    public void Not_over_and_with_a_false_operand_is_true_and_a_double_negation_cancels()
    {
        var and = new BoundBoolExpr(BoolOp.And, [new BoundConst(false, PgType.Bool), Gt7]);
        Assert.Equal(new BoundConst(true, PgType.Bool), ConstantFolding.Fold(new BoundBoolExpr(BoolOp.Not, [and])));

        var withNull = new BoundBoolExpr(BoolOp.And, [new BoundBoolExpr(BoolOp.Not, [Lt0]), new BoundConst(null, PgType.Bool)]);
        var or = Assert.IsType<BoundBoolExpr>(ConstantFolding.Fold(new BoundBoolExpr(BoolOp.Not, [withNull])));
        Assert.Equal(BoolOp.Or, or.Op);
        Assert.Same(Lt0, or.Args[0]);
        Assert.Equal(new BoundConst(null, PgType.Bool), or.Args[1]);
    }

    [Fact]
    public void Not_over_a_junction_without_constants_keeps_its_shape()
    {
        var not = new BoundBoolExpr(BoolOp.Not, [new BoundBoolExpr(BoolOp.Or, [Gt7, Lt0])]);
        Assert.Same(not, ConstantFolding.Fold(not));
    }
}
