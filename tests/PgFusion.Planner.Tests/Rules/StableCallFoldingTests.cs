using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// ConstantEvaluation evaluates only calls of immutable functions, as eval_const_expressions'
/// evaluate_function: a stable one (pg_proc.provolatile 's', <see cref="FunctionVolatility"/>) over
/// constants stays a call, is not evaluated (no error, no value), and AND/OR do not stop on it;
/// a strict stable call with a NULL constant argument is NULL all the same.
/// </summary>
public sealed class StableCallFoldingTests
{
    private const uint DateOut = 1085;
    private const uint TimestamptzOfDate = 1174;
    private const uint Int4Out = 43;

    private static readonly BoundConst Day = new(3818, PgType.Date);

    private static (ConstantEvaluation Rule, List<BoundExpr> Calls) Rule(Func<BoundExpr, object?> answer)
    {
        var calls = new List<BoundExpr>();
        return (new ConstantEvaluation(e => { calls.Add(e); return answer(e); }, isStrict: _ => true), calls);
    }

    private static BoundFuncCall DateText() => new(DateOut, "date_out", [Day, new BoundConst(1, PgType.Int4)], PgType.Text) { ViaIo = true };

    [Fact]
    public void The_volatility_table_lists_the_stable_casts()
    {
        Assert.False(FunctionVolatility.IsImmutable(DateOut));
        Assert.False(FunctionVolatility.IsImmutable(TimestamptzOfDate));
        Assert.True(FunctionVolatility.IsImmutable(Int4Out));
    }

    [Fact]
    public void A_stable_call_over_constants_is_not_evaluated()
    {
        var (rule, calls) = Rule(_ => "2010-06-15");
        var test = new BoundNullTest(DateText(), IsNotNull: false);
        var result = rule.Evaluate(test);
        var kept = Assert.IsType<BoundNullTest>(result);
        Assert.IsType<BoundFuncCall>(kept.Arg);
        Assert.Empty(calls);
    }

    [Fact]
    public void And_does_not_stop_at_a_stable_conjunct_and_folds_the_next()
    {
        // (date)::text IS NULL AND <constant that raises>: the second conjunct is evaluated (and raises)
        var (rule, _) = Rule(e => e.AnyNode(static d => d is BoundFuncCall { Name: "float4mul" }) ? throw new PgFusionException("22003", "value out of range: overflow") : null);
        var overflow = new BoundFuncCall(202, "float4mul", [new BoundConst(3e38f, PgType.Float4), new BoundConst(3e38f, PgType.Float4)], PgType.Float4);
        var and = new BoundBoolExpr(BoolOp.And, [new BoundNullTest(DateText(), IsNotNull: false), new BoundNullTest(overflow, IsNotNull: false)]);
        var error = Assert.Throws<PgFusionException>(() => rule.Evaluate(and));
        Assert.Equal("22003", error.SqlState);
    }

    [Fact]
    public void And_stops_at_an_immutable_false_conjunct()
    {
        // (1)::text IS NULL folds to false: the conjunct after it is never evaluated
        // the evaluator sees the whole NullTest of the int4out call: '1' IS NULL is false
        var (rule, calls) = Rule(e => e.AnyNode(static d => d is BoundFuncCall { Name: "float4mul" }) ? throw new PgFusionException("22003", "value out of range: overflow") : false);
        var intText = new BoundFuncCall(Int4Out, "int4out", [new BoundConst(1, PgType.Int4)], PgType.Text) { ViaIo = true };
        var overflow = new BoundFuncCall(202, "float4mul", [new BoundConst(3e38f, PgType.Float4), new BoundConst(3e38f, PgType.Float4)], PgType.Float4);
        var and = new BoundBoolExpr(BoolOp.And, [new BoundNullTest(intText, IsNotNull: false), new BoundNullTest(overflow, IsNotNull: false)]);
        Assert.Equal(new BoundConst(false, PgType.Bool), rule.Evaluate(and));
        Assert.Single(calls);
    }

    [Fact]
    public void A_strict_stable_call_of_a_null_constant_is_null()
    {
        var (rule, calls) = Rule(_ => 0L);
        var cast = new BoundFuncCall(TimestamptzOfDate, "timestamptz", [new BoundConst(null, PgType.Date), new BoundConst(0, PgType.Int4)], new PgType(PgTypeOid.Timestamptz));
        Assert.Equal(new BoundConst(null, new PgType(PgTypeOid.Timestamptz)), rule.Evaluate(cast));
        Assert.Empty(calls);
    }
}
