using PgFusion.Planner.Binding;
using PgFusion.Planner.Rules;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// PredicateSimplification.CanonicalizeQual drops a qual's constants as canonicalize_qual does, where
/// NULL and false both reject the row (seed 797 case 604: `x &lt; 0 OR NULL` is `x &lt; 0`).
/// </summary>
public sealed class QualCanonicalizationTests
{
    private static readonly BoundFuncCall Gt7 = RuleFixtures.C1Gt7;
    private static readonly BoundFuncCall Lt0 = RuleFixtures.C1Lt0;
    private static readonly BoundConst Null = new(null, PgType.Bool);
    private static readonly BoundConst True = new(true, PgType.Bool);
    private static readonly BoundConst False = new(false, PgType.Bool);

    [Fact]
    public void Or_drops_its_null_and_false_arms()
    {
        Assert.Same(Lt0, PredicateSimplification.CanonicalizeQual(new BoundBoolExpr(BoolOp.Or, [Lt0, Null])));
        var or = Assert.IsType<BoundBoolExpr>(PredicateSimplification.CanonicalizeQual(new BoundBoolExpr(BoolOp.Or, [Gt7, Null, False, Lt0])));
        Assert.Equal(BoolOp.Or, or.Op);
        Assert.Equal([Gt7, Lt0], or.Args);
        Assert.Equal(False, PredicateSimplification.CanonicalizeQual(new BoundBoolExpr(BoolOp.Or, [Null, False])));
        Assert.Equal(True, PredicateSimplification.CanonicalizeQual(new BoundBoolExpr(BoolOp.Or, [Null, Gt7, True])));
    }

    [Fact]
    public void And_with_a_null_arm_is_false_and_drops_true()
    {
        Assert.Equal(False, PredicateSimplification.CanonicalizeQual(new BoundBoolExpr(BoolOp.And, [Gt7, Null])));
        Assert.Same(Gt7, PredicateSimplification.CanonicalizeQual(new BoundBoolExpr(BoolOp.And, [True, Gt7])));
        Assert.Equal(True, PredicateSimplification.CanonicalizeQual(new BoundBoolExpr(BoolOp.And, [True, True])));
    }

    [Fact]
    public void Nested_junctions_are_canonicalized_and_flattened()
    {
        // (c > 7 AND NULL) OR c < 0: the AND is false inside the OR, which keeps c < 0.
        var inner = new BoundBoolExpr(BoolOp.And, [Gt7, Null]);
        Assert.Same(Lt0, PredicateSimplification.CanonicalizeQual(new BoundBoolExpr(BoolOp.Or, [inner, Lt0])));
        // (c > 7 OR NULL) AND c < 0 is c > 7 AND c < 0.
        var and = Assert.IsType<BoundBoolExpr>(PredicateSimplification.CanonicalizeQual(
            new BoundBoolExpr(BoolOp.And, [new BoundBoolExpr(BoolOp.Or, [Gt7, Null]), Lt0])));
        Assert.Equal(BoolOp.And, and.Op);
        Assert.Equal([Gt7, Lt0], and.Args);
    }

    [Fact]
    public void Not_and_in_list_expansions_are_not_entered()
    {
        var not = new BoundBoolExpr(BoolOp.Not, [new BoundBoolExpr(BoolOp.And, [Gt7, Null])]);
        Assert.Same(not, PredicateSimplification.CanonicalizeQual(not));
        var inList = new BoundBoolExpr(BoolOp.Or, [Gt7, Null]) { FromScalarArray = true };
        Assert.Same(inList, PredicateSimplification.CanonicalizeQual(inList));
        var plain = new BoundBoolExpr(BoolOp.Or, [Gt7, Lt0]);
        Assert.Same(plain, PredicateSimplification.CanonicalizeQual(plain));
    }
}
