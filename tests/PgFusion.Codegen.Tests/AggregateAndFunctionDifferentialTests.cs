using PgFusion.Codegen.Tests.Support;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Types;
using Xunit;
using static PgFusion.Codegen.Tests.Support.Q;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The aggregates and functions beyond the walking skeleton (variance family, bool_and/or,
/// string_agg with ORDER BY, DISTINCT, EXTRACT, date_trunc, string and rounding functions) vs
/// PostgreSQL, at every batch size and NULL density of <see cref="DifferentialTests"/>.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class AggregateAndFunctionDifferentialTests(CodegenFixture fixture)
{
    private static readonly PgType Numeric = PgType.Numeric;
    private static readonly PgType Float8 = PgType.Float8;

    private void Check(int density, int size, PlannedQuery plan, string sql)
    {
        sql = sql.Replace("{t}", CodegenFixture.TableName(density), StringComparison.Ordinal);
        var expected = Harness.RunPostgres(fixture.Connection, sql, plan.ResultColumns.Count);
        var actual = Harness.RunCompiled(plan, fixture.Batches(density, size));
        Assert.Equal(Harness.Canonical(expected, false), Harness.Canonical(actual, false));
    }

    [Theory]
    [MemberData(nameof(DifferentialTests.Shapes), MemberType = typeof(DifferentialTests))]
    public void Variance_bool_string_agg_and_distinct_aggregates(int density, int size)
    {
        var id = Col("id");
        var agg = Aggregate(Scan("t"), [Col("b")],
            Agg(2155, "stddev", Numeric, Col("i4")),
            Agg(2723, "var_pop", Numeric, Col("n2")),
            Agg(2712, "stddev_samp", Numeric, Col("i8")),
            Agg(2159, "stddev", Numeric, Col("n")),
            Agg(2517, "bool_and", PgType.Bool, F(147, "int4gt", PgType.Bool, Col("i4"), K(0, PgType.Int4))),
            Agg(2518, "bool_or", PgType.Bool, F(64, "int2lt", PgType.Bool, Col("i2"), K((short)-500, PgType.Int2))),
            new BoundAggregate(3538, "string_agg", [Col("s"), K(",", PgType.Text)], false, null, PgType.Text,
                [new AggregateSortKey(id, true, false)]),
            new BoundAggregate(2147, "count", [Col("v")], true, null, PgType.Int8),
            new BoundAggregate(2108, "sum", [Col("i4")], true, F(1720, "numeric_gt", PgType.Bool, Col("n2"), K(new PgNumeric(0, 0), Numeric)), PgType.Int8));
        Check(density, size, Result(agg), """
            SELECT b, stddev(i4), var_pop(n2), stddev_samp(i8), stddev(n), bool_and(i4 > 0), bool_or(i2 < -500),
                   string_agg(s, ',' ORDER BY id DESC), count(DISTINCT v), sum(DISTINCT i4) FILTER (WHERE n2 > 0)
            FROM {t} GROUP BY b
            """);
    }

    /// <summary>
    /// max / min of interval (2128 / 2144) by interval_cmp_value: spans of days and microseconds
    /// (timestamp_mi) plus fractional months (mul_d_interval spreads them over months, days and
    /// time), so equal spans in other fields and ties between groups' rows occur.
    /// </summary>
    [Theory]
    [MemberData(nameof(DifferentialTests.Shapes), MemberType = typeof(DifferentialTests))]
    public void Interval_max_and_min(int density, int size)
    {
        var interval = new PgType(PgTypeOid.Interval);
        BoundExpr Span() => F(1169, "interval_pl", interval,
            F(2031, "timestamp_mi", interval, Col("ts"), K(0L, PgType.Timestamp)),
            F(1624, "mul_d_interval", interval, F(311, "float8", Float8, Col("f4")), K(new PgInterval(0, 0, 1), interval)));
        var agg = Aggregate(Scan("t"), [Col("b")],
            Agg(2128, "max", interval, Span()),
            Agg(2144, "min", interval, Span()),
            Agg(2128, "max", interval, K(new PgInterval(0, 30, 0), interval)),
            Agg(2144, "min", interval, F(2031, "timestamp_mi", interval, Col("ts"), K(0L, PgType.Timestamp))));
        Check(density, size, Result(agg), """
            SELECT b, max((ts - timestamp '2000-01-01') + f4::float8 * interval '1 mon'),
                   min((ts - timestamp '2000-01-01') + f4::float8 * interval '1 mon'),
                   max(interval '30 days'), min(ts - timestamp '2000-01-01')
            FROM {t} GROUP BY b
            """);
    }

    [Theory]
    [MemberData(nameof(DifferentialTests.Shapes), MemberType = typeof(DifferentialTests))]
    public void Datetime_string_and_rounding_functions(int density, int size)
    {
        var plan = Project(Scan("t"),
            ("id", Col("id")),
            ("y", F(6202, "extract", Numeric, K("year", PgType.Text), Col("ts"))),
            ("s", F(6202, "extract", Numeric, K("second", PgType.Text), Col("ts"))),
            ("w", F(6199, "extract", Numeric, K("week", PgType.Text), Col("d"))),
            ("dp", F(2021, "date_part", Float8, K("epoch", PgType.Text), Col("ts"))),
            ("tr", F(2020, "date_trunc", PgType.Timestamp, K("quarter", PgType.Text), Col("ts"))),
            ("pl", F(2071, "date_pl_interval", PgType.Timestamp, Col("d"), K(new PgInterval(3_600_000_000, 2, 1), new PgType(PgTypeOid.Interval)))),
            ("sub", F(936, "substring", PgType.Text, Col("s"), K(2, PgType.Int4), K(3, PgType.Int4))),
            ("pos", F(849, "position", PgType.Int4, Col("s"), K("a", PgType.Text))),
            ("tri", F(884, "btrim", PgType.Text, Col("s"), K("ae", PgType.Text))),
            ("il", F(1633, "texticlike", PgType.Bool, Col("s"), K("A%", PgType.Text))),
            ("rn", F(1707, "round", Numeric, Col("n"), K(2, PgType.Int4))),
            ("tn", F(1709, "trunc", Numeric, Col("n2"), K(-1, PgType.Int4))),
            ("ce", F(1711, "ceil", Numeric, Col("n"))),
            ("ab", F(1397, "abs", PgType.Int4, Col("i4"))));
        Check(density, size, plan, """
            SELECT id, extract(year FROM ts), extract(second FROM ts), extract(week FROM d), date_part('epoch', ts),
                   date_trunc('quarter', ts), d + interval '1 month 2 days 1 hour', substring(s FROM 2 FOR 3), position('a' IN s),
                   btrim(s, 'ae'), s ILIKE 'A%', round(n, 2), trunc(n2, -1), ceil(n), abs(i4)
            FROM {t}
            """);
    }
}
