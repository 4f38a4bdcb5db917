using PgFusion.Planner.Binding;
using PgFusion.Planner.Rules;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// ConstantEvaluation replaces constant expressions by their value (as PostgreSQL's
/// eval_const_expressions does): date/timestamp arithmetic, numeric arithmetic, NULL results;
/// timestamptz results (time-zone dependent) and values the evaluator has no constant form for
/// stay expressions, evaluated once for their errors.
/// </summary>
public sealed class DateArithmeticFoldingTests
{
    private static readonly PgType Interval = new(PgTypeOid.Interval);
    private static readonly PgType Timestamptz = new(PgTypeOid.Timestamptz);

    private static readonly BoundConst Day = new(-2375, PgType.Date);
    private static readonly BoundConst Months3 = new(new PgInterval(0, 0, 3), Interval);

    /// <summary>An evaluator that records its calls and answers <paramref name="value"/>.</summary>
    private static (ConstantEvaluation Rule, List<BoundExpr> Calls) Rule(object? value)
    {
        var calls = new List<BoundExpr>();
        return (new ConstantEvaluation(e => { calls.Add(e); return value; }), calls);
    }

    [Fact]
    public void Date_plus_interval_becomes_a_timestamp_literal()
    {
        var (rule, calls) = Rule(-197251200000000L);
        var sum = new BoundFuncCall(1, "date_pl_interval", [Day, Months3], PgType.Timestamp);
        var comparison = new BoundFuncCall(2, "date_lt_timestamp", [new BoundColumnRef(0, PgType.Date, "o_orderdate"), sum], PgType.Bool);
        var folded = Assert.IsType<BoundFuncCall>(rule.Evaluate(comparison));
        Assert.Equal(new BoundConst(-197251200000000L, PgType.Timestamp), folded.Args[1]);
        Assert.Same(sum, Assert.Single(calls));
    }

    [Theory]
    [InlineData("date_mi_interval")]
    [InlineData("timestamp_pl_interval")]
    [InlineData("timestamp_mi_interval")]
    public void Other_immutable_date_arithmetic_folds(string name)
    {
        var (rule, _) = Rule(42L);
        var e = new BoundFuncCall(1, name, [Day, Months3], PgType.Timestamp);
        Assert.Equal(new BoundConst(42L, PgType.Timestamp), rule.Evaluate(e));
    }

    [Fact]
    public void Date_plus_integer_becomes_a_date_literal()
    {
        var (rule, _) = Rule(-2370);
        var e = new BoundFuncCall(1, "date_pli", [Day, new BoundConst(5, PgType.Int4)], PgType.Date);
        Assert.Equal(new BoundConst(-2370, PgType.Date), rule.Evaluate(e));
    }

    [Fact]
    public void Timestamptz_arithmetic_depends_on_the_time_zone_and_stays()
    {
        var (rule, calls) = Rule(42L);
        var e = new BoundFuncCall(1, "timestamptz_pl_interval", [new BoundConst(0L, Timestamptz), Months3], Timestamptz);
        Assert.Same(e, rule.Evaluate(e));
        Assert.Single(calls); // still evaluated once, for its errors
    }

    [Fact]
    public void Numeric_arithmetic_becomes_a_numeric_literal()
    {
        var (rule, _) = Rule(new PgNumeric(5, 2));
        var e = new BoundFuncCall(1725, "numeric_sub", [new BoundConst(new PgNumeric(6, 2), PgType.Numeric), new BoundConst(new PgNumeric(1, 2), PgType.Numeric)], PgType.Numeric);
        Assert.Equal(new BoundConst(new PgNumeric(5, 2), PgType.Numeric), rule.Evaluate(e));
    }

    [Fact]
    public void A_value_without_a_constant_form_keeps_the_expression()
    {
        var (rule, calls) = Rule(ConstantEvaluation.Unfoldable);
        var e = new BoundFuncCall(1, "date_pl_interval", [Day, Months3], PgType.Timestamp);
        Assert.Same(e, rule.Evaluate(e));
        Assert.Single(calls);
    }

    [Fact]
    public void A_null_result_becomes_a_null_literal_of_the_type()
    {
        var (rule, _) = Rule(null);
        var e = new BoundFuncCall(1, "date_pl_interval", [Day, Months3], PgType.Timestamp);
        Assert.Equal(new BoundConst(null, PgType.Timestamp), rule.Evaluate(e));
    }
}
