using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Running;
using PgFusion.Fuzz.Schema;
using Xunit;

namespace PgFusion.Property.Tests;

/// <summary>The comparer is the property's teeth: these prove it catches wrong results and only forgives what PostgreSQL leaves open.</summary>
public sealed class OutcomeComparerTests
{
    private const uint Int4 = 23, Float4 = 700, Float8 = 701, Numeric = 1700, Interval = 1186;

    private static readonly Expr Col = Expr.Leaf(ColumnKind.Int4, "a.x");

    private static readonly FuzzQuery Plain = new() { From = "t a", Select = [Col] };

    private static readonly FuzzQuery Ordered = Plain with { OrderBy = [""] };

    private static readonly FuzzQuery Grouped = Plain with { Grouped = true, GroupBy = [Col] };

    private static RowsOutcome Rows(uint oid, params string?[] values) => new([("x", oid)], values.Select(v => new[] { v }).ToArray());

    [Fact]
    public void Equal_results_and_the_same_error_pass()
    {
        Assert.Equal(VerdictKind.Equal, OutcomeComparer.Compare(Rows(Int4, "1", "2"), Rows(Int4, "2", "1"), Plain).Kind);
        Assert.Equal(VerdictKind.Equal, OutcomeComparer.Compare(new ErrorOutcome("22012", "division by zero"), new ErrorOutcome("22012", "division by zero"), Plain).Kind);
    }

    [Theory]
    [InlineData("1", "2")]
    [InlineData("1.50", "1.5")]   // numeric scale is part of the value
    [InlineData("-0", "0")]       // a plain projection must print what PostgreSQL prints
    [InlineData(null, "0")]
    [InlineData("", null)]
    public void Wrong_values_are_mismatches(string? off, string? on) =>
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Numeric, off), Rows(Numeric, on), Plain).Kind);

    [Fact]
    public void Order_matters_under_ORDER_BY_only()
    {
        Assert.Equal(VerdictKind.Equal, OutcomeComparer.Compare(Rows(Int4, "1", "2"), Rows(Int4, "2", "1"), Plain).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Int4, "1", "2"), Rows(Int4, "2", "1"), Ordered).Kind);
    }

    [Fact]
    public void Missing_or_extra_rows_and_types_are_mismatches()
    {
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Int4, "1", "1"), Rows(Int4, "1"), Plain).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Int4, "1"), Rows(Numeric, "1"), Plain).Kind);
    }

    [Fact]
    public void Errors_must_agree()
    {
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(new ErrorOutcome("22012", "division by zero"), new ErrorOutcome("22003", "integer out of range"), Plain).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(new ErrorOutcome("22012", "division by zero"), Rows(Int4), Plain).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Int4, "1"), new LostOutcome("EOF"), Plain).Kind);
        // One-sided data exceptions are gaps only when asked for, and only for SQLSTATE class 22.
        Assert.Equal(VerdictKind.ErrorGap, OutcomeComparer.Compare(new ErrorOutcome("22012", "division by zero"), Rows(Int4), Plain, tolerateErrorGaps: true).Kind);
        Assert.Equal(VerdictKind.ErrorGap, OutcomeComparer.Compare(new ErrorOutcome("22008", "cannot subtract infinite timestamps"), new ErrorOutcome("22003", "integer out of range"), Plain, tolerateErrorGaps: true).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(new ErrorOutcome("42883", "operator does not exist"), Rows(Int4), Plain, tolerateErrorGaps: true).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Int4, "1"), Rows(Int4, "2"), Plain, tolerateErrorGaps: true).Kind);
    }

    [Fact]
    public void Representatives_of_equal_values_are_equivalent_only_where_PostgreSQL_may_pick_either()
    {
        Assert.Equal(VerdictKind.Equivalent, OutcomeComparer.Compare(Rows(Float8, "-0"), Rows(Float8, "0"), Grouped).Kind);
        Assert.Equal(VerdictKind.Equivalent, OutcomeComparer.Compare(Rows(Interval, "1 day"), Rows(Interval, "24:00:00"), Grouped).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Interval, "1 day"), Rows(Interval, "2 days"), Grouped).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float8, "-0"), Rows(Float8, "0"), Ordered).Kind);
    }

    [Fact]
    public void Float_sums_compare_within_the_tolerance()
    {
        var sum = new Expr(ColumnKind.Float8, "sum({0})", [Expr.Leaf(ColumnKind.Float8, "a.f")], "sum", Aggregate: true, Inexact: true);
        var q = new FuzzQuery { From = "t a", Select = [sum], Grouped = true };
        Assert.Equal(VerdictKind.Equivalent, OutcomeComparer.Compare(Rows(Float8, "0.30000000000000004"), Rows(Float8, "0.3"), q).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float8, "0.31"), Rows(Float8, "0.3"), q).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float8, "NaN"), Rows(Float8, "Infinity"), q).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float8, "0.30000000000000004"), Rows(Float8, "0.3"), Plain with { Select = [Expr.Leaf(ColumnKind.Float8, "a.f")] }).Kind);
    }

    [Fact]
    public void Float4_sums_compare_within_float4s_tolerance()
    {
        // Seed 101 case 3348: sum((b.c1)::float4) over a FULL JOIN feeding -390712051, -390712051, 23
        // and 23 (as float4: -390712064 and 23). float4pl rounds every partial sum to 24 bits (a spacing
        // of 32 near 3.9e8, 64 near 7.8e8), so the result depends on the order of the terms; PostgreSQL
        // printed -7.8142406e+08, pg_fusion -7.814241e+08. Both are sums of those terms in some order.
        float[] terms = [(float)-390712051, (float)-390712051, 23f, 23f];
        var sums = Permutations(terms).Select(p => p.Aggregate(0f, (acc, x) => acc + x)).Distinct().ToList();
        Assert.Contains(-7.8142406e+08f, sums);
        Assert.Contains(-7.814241e+08f, sums);
        Assert.True(sums.Count > 1);

        var sum = new Expr(ColumnKind.Float4, "sum({0})", [Expr.Leaf(ColumnKind.Float4, "a.f")], "sum", Aggregate: true, Inexact: true);
        var q = new FuzzQuery { From = "t a", Select = [sum], Grouped = true };
        Assert.Equal(VerdictKind.Equivalent, OutcomeComparer.Compare(Rows(Float4, "-7.8142406e+08"), Rows(Float4, "-7.814241e+08"), q).Kind);
        // Every order's sum is within the float4 tolerance of every other.
        foreach (var a in sums)
            foreach (var b in sums)
                Assert.NotEqual(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float4, a.ToString("R", System.Globalization.CultureInfo.InvariantCulture)), Rows(Float4, b.ToString("R", System.Globalization.CultureInfo.InvariantCulture)), q).Kind);
        // A wrong float4 sum (one term of 23 lost at a smaller magnitude) is still caught,
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float4, "46"), Rows(Float4, "23"), q).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float4, "-7.8142406e+08"), Rows(Float4, "-7.8152406e+08"), q).Kind);
        // and a float8 sum keeps its own, tighter tolerance: the same two values differ there.
        var sum8 = new Expr(ColumnKind.Float8, "sum({0})", [Expr.Leaf(ColumnKind.Float8, "a.f")], "sum", Aggregate: true, Inexact: true);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float8, "-781424064"), Rows(Float8, "-781424128"), q with { Select = [sum8] }).Kind);
    }

    [Fact]
    public void The_tolerance_reaches_through_arithmetic_over_a_float_sum_and_nowhere_else()
    {
        // Seed 171 case 3738: `sum(b.c2 * b.c2) * 2 + '0'::float4` over a RIGHT JOIN, c2 float4. The
        // output is float8 (float48mul, float84pl), but its error is the float4 sum's: 14860302 against
        // 14860304, one float4 unit in the last place of the sum (7430151 / 7430152). Before, the float8
        // column got float8's tolerance and this was a mismatch.
        var sum4 = new Expr(ColumnKind.Float4, "sum({0})", [Expr.Leaf(ColumnKind.Float4, "b.c2")], "sum", Aggregate: true, Inexact: true);
        var wrapped = Expr.Op(ColumnKind.Float4, "({0} * 2 + {1})", "post-agg-arith", sum4, Expr.Leaf(ColumnKind.Float4, "'0'::float4"));
        var q = new FuzzQuery { From = "t1 a RIGHT JOIN t1 b ON a.c1 = b.c1", Select = [wrapped], Grouped = true };
        Assert.Equal(VerdictKind.Equivalent, OutcomeComparer.Compare(Rows(Float8, "14860302"), Rows(Float8, "14860304"), q).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Rows(Float8, "14860302"), Rows(Float8, "14870302"), q).Kind);
        var coalesced = Expr.Op(ColumnKind.Float8, "COALESCE({0}, {1})", "coalesce",
            new Expr(ColumnKind.Float8, "sum({0})", [Expr.Leaf(ColumnKind.Float8, "a.f")], "sum", Aggregate: true, Inexact: true), Expr.Leaf(ColumnKind.Float8, "'0'::float8"));
        Assert.Equal(VerdictKind.Equivalent, OutcomeComparer.Compare(Rows(Float8, "0.30000000000000004"), Rows(Float8, "0.3"), q with { Select = [coalesced] }).Kind);

        // In the same query, a float key column, a float max() and an integer count stay exact.
        var key = Expr.Leaf(ColumnKind.Float8, "a.g");
        var max = new Expr(ColumnKind.Float8, "max({0})", [Expr.Leaf(ColumnKind.Float8, "a.f")], "max", Aggregate: true);
        var count = new Expr(ColumnKind.Int8, "count(*)", [], "count", Aggregate: true);
        var mixed = q with { Select = [key, max, count, wrapped], GroupBy = [key] };
        var columns = new (string, uint)[] { ("g", 701), ("max", 701), ("count", 20), ("x", 701) };
        Assert.Equal([0, 0, 0, OutcomeComparer.Float4Tolerance], OutcomeComparer.ColumnTolerances(mixed, columns));
        RowsOutcome Mixed(string g, string m, string c, string x) => new(columns, [[g, m, c, x]]);
        Assert.Equal(VerdictKind.Equivalent, OutcomeComparer.Compare(Mixed("0.3", "1", "2", "14860302"), Mixed("0.3", "1", "2", "14860304"), mixed).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Mixed("0.30000000000000004", "1", "2", "14860302"), Mixed("0.3", "1", "2", "14860302"), mixed).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Mixed("0.3", "1.0000000001", "2", "14860302"), Mixed("0.3", "1", "2", "14860302"), mixed).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(Mixed("0.3", "1", "2", "14860302"), Mixed("0.3", "1", "3", "14860302"), mixed).Kind);

        // A set operation: a column is tolerant when either arm's expression holds such an aggregate.
        var setop = new FuzzQuery { From = "t a", Select = [key], SetOp = "UNION ALL", SetOpRight = q };
        Assert.Equal(OutcomeComparer.Float4Tolerance, OutcomeComparer.ColumnTolerance(setop, 0, 701));
        Assert.Equal(0, OutcomeComparer.ColumnTolerance(setop, 0, 1700));
    }

    [Fact]
    public void A_float_sum_overflow_is_a_summation_order_candidate_and_nothing_else_is()
    {
        // Seed 515 case 2624: sum(v1) over a group holding 1e308, Infinity and 1e308. float8pl raises
        // when two finite terms overflow and not when an infinite term absorbs the rest, so one order
        // raises 22003 and another gives Infinity; PostgreSQL's order is its plan's.
        double[] terms = [1e308, double.PositiveInfinity, 1e308];
        var outcomes = PermutationsOf(terms).Select(Render).Distinct().ToList();
        Assert.Equal(["Infinity", "overflow"], outcomes.Order(StringComparer.Ordinal));
        // The witnesses the runner tries: PostgreSQL summing in ascending order raises, descending does not.
        Assert.Equal("overflow", Render([.. terms.Order()]));
        Assert.Equal("Infinity", Render([.. terms.OrderDescending()]));
        // {1e308, 1e308, -Infinity} and {1e308, 1e308, -1e308} the other way round.
        Assert.Equal("-Infinity", Render([.. new[] { 1e308, 1e308, double.NegativeInfinity }.Order()]));
        Assert.Equal("1E+308", Render([.. new[] { 1e308, 1e308, -1e308 }.Order()]));
        Assert.Equal("overflow", Render([.. new[] { 1e308, 1e308, -1e308 }.OrderDescending()]));

        var sum = new Expr(ColumnKind.Float8, "sum({0})", [Expr.Leaf(ColumnKind.Float8, "a.v1")], "sum", Aggregate: true, Inexact: true);
        var wrapped = Expr.Op(ColumnKind.Float8, "({0} * 2 + {1})", "post-agg-arith", sum, Expr.Leaf(ColumnKind.Float8, "'-Infinity'::float8"));
        var key = Expr.Leaf(ColumnKind.Float8, "a.v2");
        var q = new FuzzQuery { From = "t a", Select = [key, wrapped], Grouped = true, GroupBy = [key] };
        var overflow = new ErrorOutcome("22003", "value out of range: overflow");
        var rows = Rows(Float8, "NaN");
        var empty = Rows(Float8);

        // Either side may be the one that raised, whatever the rows (a HAVING may have dropped the group).
        Assert.True(OutcomeComparer.MayBeSummationOrder(overflow, rows, q));
        Assert.True(OutcomeComparer.MayBeSummationOrder(empty, overflow, q));
        var having = new FuzzQuery { From = "t a", Select = [key], Grouped = true, GroupBy = [key], Having = [Expr.Op(ColumnKind.Bool, "{0} > 0", "cmp", sum)] };
        Assert.True(OutcomeComparer.MayBeSummationOrder(overflow, empty, having));
        Assert.True(OutcomeComparer.MayBeSummationOrder(overflow, empty, Plain with { SetOp = "UNION", SetOpRight = q }));
        // Not a candidate: another overflow or error, both sides raising, no float sum/avg in the query.
        Assert.False(OutcomeComparer.MayBeSummationOrder(new ErrorOutcome("22003", "integer out of range"), rows, q));
        Assert.False(OutcomeComparer.MayBeSummationOrder(new ErrorOutcome("22012", "division by zero"), rows, q));
        Assert.False(OutcomeComparer.MayBeSummationOrder(overflow, new ErrorOutcome("22012", "division by zero"), q));
        var max = new Expr(ColumnKind.Float8, "max({0})", [Expr.Leaf(ColumnKind.Float8, "a.v1")], "max", Aggregate: true);
        Assert.False(OutcomeComparer.MayBeSummationOrder(overflow, rows, q with { Select = [key, max] }));
        // Rows against rows: a HAVING over a float sum keeps a group in one summation order only
        // (seed 799 case 2629); the runner asks PostgreSQL for such a query, not for one without a float sum.
        Assert.True(OutcomeComparer.HasInexactAggregate(having));
        Assert.False(OutcomeComparer.HasInexactAggregate(having with { Having = [Expr.Op(ColumnKind.Bool, "{0} > 0", "cmp", max)] }));
        // The comparer alone still calls it a mismatch: only PostgreSQL's witness makes it plan-dependent.
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(overflow, rows, q).Kind);
        Assert.Equal(VerdictKind.Mismatch, OutcomeComparer.Compare(rows, overflow, q).Kind);
    }

    [Fact]
    public void The_summation_order_witness_orders_float_sums_only()
    {
        var arg = Expr.Op(ColumnKind.Float8, "({0} + 1)", "arith", Expr.Leaf(ColumnKind.Float8, "a.v1"));
        var filter = Expr.Leaf(ColumnKind.Bool, "a.b");
        var sum = new Expr(ColumnKind.Float8, "sum({0}) FILTER (WHERE {1})", [arg, filter], "agg-filter", Aggregate: true, Inexact: true);
        var avg = new Expr(ColumnKind.Float8, "avg({0})", [Expr.Leaf(ColumnKind.Float4, "a.f")], "avg", Aggregate: true, Inexact: true);
        var isum = new Expr(ColumnKind.Int8, "sum({0})", [Expr.Leaf(ColumnKind.Int4, "a.i")], "sum", Aggregate: true);
        var key = Expr.Leaf(ColumnKind.Int4, "a.k");
        var q = new FuzzQuery { From = "t a", Select = [key, Expr.Op(ColumnKind.Float8, "({0} * 2)", "arith", sum), isum], Grouped = true, GroupBy = [key], Having = [Expr.Op(ColumnKind.Bool, "{0} > 0", "cmp", avg)] };
        Assert.Equal("SELECT a.k, (sum((a.v1 + 1) ORDER BY (a.v1 + 1) DESC) FILTER (WHERE a.b) * 2), sum(a.i) FROM t a GROUP BY a.k HAVING avg(a.f ORDER BY a.f DESC) > 0",
            q.WithSummationOrder(descending: true).Sql);
        Assert.Contains("sum((a.v1 + 1) ORDER BY (a.v1 + 1)) FILTER", q.WithSummationOrder(descending: false).Sql, StringComparison.Ordinal);
        // Group keys stay the select list's own instances.
        Assert.Same(key, q.WithSummationOrder(descending: false).Select[0]);
    }

    private static string Render(double[] terms) => CheckedSum(terms) is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "overflow";

    /// <summary>float8pl's sum in the given order: null where it raises (an infinite result of two finite terms).</summary>
    private static double? CheckedSum(double[] terms)
    {
        double acc = 0;
        foreach (var x in terms)
        {
            var r = acc + x;
            if (double.IsInfinity(r) && !double.IsInfinity(acc) && !double.IsInfinity(x)) return null;
            acc = r;
        }
        return acc;
    }

    private static IEnumerable<double[]> PermutationsOf(double[] items) =>
        items.Length <= 1 ? [items] : items.SelectMany((x, i) => PermutationsOf([.. items.Take(i), .. items.Skip(i + 1)]).Select(rest => (double[])[x, .. rest]));

    private static IEnumerable<float[]> Permutations(float[] items) =>
        items.Length <= 1 ? [items] : items.SelectMany((x, i) => Permutations([.. items.Take(i), .. items.Skip(i + 1)]).Select(rest => (float[])[x, .. rest]));
}
