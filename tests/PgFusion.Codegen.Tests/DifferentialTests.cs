using PgFusion.Codegen.Tests.Support;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;
using static PgFusion.Codegen.Tests.Support.Q;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Compiled plans vs PostgreSQL on the same rows: every query at batch sizes 1, 7, 1024 and 4096
/// and NULL densities 0, 50 and 100 %, rows compared as PostgreSQL's text output, errors as
/// SQLSTATE + message.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class DifferentialTests(CodegenFixture fixture, ITestOutputHelper output)
{
    public static TheoryData<int, int> Shapes()
    {
        var d = new TheoryData<int, int>();
        foreach (int density in new[] { 0, 50, 100 })
            foreach (int size in new[] { 1, 7, 1024, 4096 })
                d.Add(density, size);
        return d;
    }

    private static readonly PgType Numeric = PgType.Numeric;
    private static readonly PgType Int8 = PgType.Int8;

    private void Check(int density, int size, PlannedQuery plan, string sql, bool ordered = false)
    {
        string table = CodegenFixture.TableName(density);
        sql = sql.Replace("{t}", table, StringComparison.Ordinal);
        var expected = Harness.RunPostgres(fixture.Connection, sql, plan.ResultColumns.Count);
        var actual = Harness.RunCompiled(plan, fixture.Batches(density, size));
        string e = Harness.Canonical(expected, ordered), a = Harness.Canonical(actual, ordered);
        if (e != a)
        {
            output.WriteLine("SQL: " + sql);
            var el = e.Split('\n');
            var al = a.Split('\n');
            for (int i = 0, shown = 0; i < Math.Max(el.Length, al.Length) && shown < 10; i++)
            {
                string x = i < el.Length ? el[i] : "<none>", y = i < al.Length ? al[i] : "<none>";
                if (x != y)
                {
                    output.WriteLine($"line {i}: postgres [{x}] pgfusion [{y}]");
                    shown++;
                }
            }
        }
        Assert.Equal(e, a);
    }

    /// <summary>
    /// IN lists over a computed scalar (x = ANY (ARRAY[...]) and x &lt;&gt; ALL): the kernel computes x once
    /// per row and every element test reads it; NULL scalars, a NULL element and raising scalars included.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void In_lists_over_a_computed_scalar(int density, int size)
    {
        static BoundExpr Upper() => F(871, "upper", PgType.Text, Text(Col("v")));
        static BoundExpr Len() => F(1317, "length", PgType.Int4, Col("s"));
        BoundExpr AnyOf(Func<BoundExpr> scalar, uint eq, string name, params BoundExpr[] elements) =>
            new BoundBoolExpr(BoolOp.Or, [.. elements.Select(e => (BoundExpr)F(eq, name, PgType.Bool, scalar(), e))]) { FromScalarArray = true };
        var upperIn = AnyOf(Upper, 67, "texteq", K("APPLE", PgType.Text), K("FIG", PgType.Text), K("ZEBRA", PgType.Text));
        var lengthIn = AnyOf(Len, 65, "int4eq", K(3, PgType.Int4), K(5, PgType.Int4), K(null, PgType.Int4), K(0, PgType.Int4));
        var lengthNotIn = new BoundBoolExpr(BoolOp.And, [F(144, "int4ne", PgType.Bool, Len(), K(3, PgType.Int4)), F(144, "int4ne", PgType.Bool, Len(), K(5, PgType.Int4))]) { FromScalarArray = true };
        var product = AnyOf(() => F(141, "int4mul", PgType.Int4, Col("i4"), K(100000, PgType.Int4)), 65, "int4eq", K(1, PgType.Int4), K(2, PgType.Int4));
        Check(density, size, Project(Filter(Scan("t"), upperIn), ("id", Col("id")), ("l", lengthIn), ("n", lengthNotIn)),
            "SELECT id, length(s) IN (3, 5, NULL, 0), length(s) NOT IN (3, 5) FROM {t} WHERE upper(v::text) IN ('APPLE', 'FIG', 'ZEBRA')");
        Check(density, size, Project(Filter(Scan("t"), lengthNotIn), ("id", Col("id"))), "SELECT id FROM {t} WHERE length(s) <> ALL (ARRAY[3, 5])");
        Check(density, size, Project(Filter(Scan("t"), product), ("id", Col("id"))), "SELECT id FROM {t} WHERE i4 * 100000 IN (1, 2)");
    }

    /// <summary>
    /// IN lists of non-NULL constants over plain columns (one short-circuit chain over the column's
    /// value, read once): bpchar with PostgreSQL's trailing-blank equality, a cross-type int2 = int4
    /// list, dates, and NOT IN (&lt;&gt; ALL) over bpchar; NULL columns give NULL, which WHERE drops and
    /// the projection shows.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void In_lists_of_constants_over_columns(int density, int size)
    {
        var bpchar = new PgType(PgTypeOid.Bpchar, 9);
        static BoundExpr List(BoolOp op, string column, uint fn, string name, params BoundExpr[] elements) =>
            new BoundBoolExpr(op, [.. elements.Select(e => (BoundExpr)F(fn, name, PgType.Bool, Col(column), e))]) { FromScalarArray = true };
        var bpIn = List(BoolOp.Or, "bp", 1048, "bpchareq", K("fig", bpchar), K("appl", bpchar), K("", bpchar), K("ZEBRA", bpchar));
        var bpNotIn = List(BoolOp.And, "bp", 1053, "bpcharne", K("date", bpchar), K("x_y", bpchar));
        var i2In = List(BoolOp.Or, "i2", 158, "int24eq", K(-3, PgType.Int4), K(0, PgType.Int4), K(7, PgType.Int4), K(299, PgType.Int4));
        var dIn = List(BoolOp.Or, "d", 1086, "date_eq", K(-2, PgType.Date), K(0, PgType.Date), K(5000, PgType.Date));
        Check(density, size, Project(Filter(Scan("t"), bpIn), ("id", Col("id")), ("a", bpNotIn), ("b", i2In), ("c", dIn)),
            "SELECT id, bp NOT IN ('date', 'x_y'), i2 IN (-3, 0, 7, 299), d IN (date '1999-12-30', date '2000-01-01', date '2013-09-09') " +
            "FROM {t} WHERE bp IN ('fig', 'appl', '', 'ZEBRA')");
        Check(density, size, Project(Filter(Scan("t"), Or(i2In, bpNotIn)), ("id", Col("id"))),
            "SELECT id FROM {t} WHERE i2 IN (-3, 0, 7, 299) OR bp <> ALL (ARRAY['date', 'x_y']::char(5)[])");
    }

    /// <summary>
    /// WHERE and CASE WHEN over AND/OR/NOT trees of total comparisons (Q19's OR of AND arms): the
    /// kernel tests "IS TRUE" as one short-circuit condition without null-flag locals, and reads a
    /// column's null flag once per AND chain. NULLs in every column at density 50 and 100 check the
    /// three-valued logic (NOT of a NULL AND, IS NULL inside an arm, IN lists, numeric ranges).
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Or_of_and_arms_in_where_and_case(int density, int size)
    {
        var bpchar = new PgType(PgTypeOid.Bpchar, 9);
        var bpIn = new BoundBoolExpr(BoolOp.Or, [F(1048, "bpchareq", PgType.Bool, Col("bp"), K("fig", bpchar)), F(1048, "bpchareq", PgType.Bool, Col("bp"), K("appl", bpchar))]) { FromScalarArray = true };
        var i4Pos = F(147, "int4gt", PgType.Bool, Col("i4"), K(0, PgType.Int4));
        var i2Neg = F(64, "int2lt", PgType.Bool, Col("i2"), K((short)0, PgType.Int2));
        var pred = Or(
            And(i4Pos, bpIn, F(1721, "numeric_ge", PgType.Bool, Col("n2"), K(new PgNumeric(-50000, 2), Numeric)),
                F(1723, "numeric_le", PgType.Bool, Col("n2"), K(new PgNumeric(5000000, 2), Numeric))),
            And(Not(And(i2Neg, Col("b"))), F(1087, "date_lt", PgType.Bool, Col("d"), K(3653, PgType.Date)), F(468, "int8ne", PgType.Bool, Col("i8"), K(5L, Int8))),
            And(new BoundNullTest(Col("i2"), false), Not(Or(F(66, "int4lt", PgType.Bool, Col("i4"), K(-100, PgType.Int4)), F(297, "float8gt", PgType.Bool, Col("f8"), K(10.0, PgType.Float8))))));
        var caseWhen = new BoundCase([(Or(Col("b"), And(i4Pos, Not(i2Neg))), K("y", PgType.Text)), (Not(Col("b")), K("n", PgType.Text))], null, PgType.Text);
        var plan = Project(Filter(Scan("t"), pred), ("id", Col("id")), ("c", caseWhen), ("p", pred));
        Check(density, size, plan, """
            SELECT id, CASE WHEN b OR (i4 > 0 AND NOT (i2 < 0)) THEN 'y' WHEN NOT b THEN 'n' END,
                   (i4 > 0 AND bp IN ('fig', 'appl') AND n2 >= -500.00 AND n2 <= 50000.00)
                   OR (NOT (i2 < 0 AND b) AND d < date '2010-01-01' AND i8 <> 5)
                   OR (i2 IS NULL AND NOT (i4 < -100 OR f8 > 10.0::float8))
            FROM {t}
            WHERE (i4 > 0 AND bp IN ('fig', 'appl') AND n2 >= -500.00 AND n2 <= 50000.00)
               OR (NOT (i2 < 0 AND b) AND d < date '2010-01-01' AND i8 <> 5)
               OR (i2 IS NULL AND NOT (i4 < -100 OR f8 > 10.0::float8))
            """);
        // the same predicate as a join residual would see it after a NULL-rejecting conjunct
        var after = Project(Filter(Scan("t"), And(F(2054, "timestamp_lt", PgType.Bool, Col("ts"), K(315532800000000L, PgType.Timestamp)), pred)), ("id", Col("id")));
        Check(density, size, after, """
            SELECT id FROM {t}
            WHERE ts < timestamp '2010-01-01' AND ((i4 > 0 AND bp IN ('fig', 'appl') AND n2 >= -500.00 AND n2 <= 50000.00)
               OR (NOT (i2 < 0 AND b) AND d < date '2010-01-01' AND i8 <> 5)
               OR (i2 IS NULL AND NOT (i4 < -100 OR f8 > 10.0::float8)))
            """);
    }

    /// <summary>Plain columns of every type, reordered, with and without a selection vector: ColumnCopyKernel's path.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Plain_column_projection_copies_every_type(int density, int size)
    {
        var columns = TestTable.Columns.Reverse().ToArray();
        var exprs = columns.Select(c => (c.Name, (BoundExpr)Col(c.Name))).ToArray();
        string list = string.Join(", ", columns.Select(c => c.Name));
        Check(density, size, Project(Scan("t"), exprs), $"SELECT {list} FROM {{t}}");
        var pred = F(147, "int4gt", PgType.Bool, Col("i4"), K(0, PgType.Int4));
        Check(density, size, Project(Filter(Scan("t"), pred), exprs), $"SELECT {list} FROM {{t}} WHERE i4 > 0");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Filter_and_project_scalar_functions(int density, int size)
    {
        var pred = And(F(147, "int4gt", PgType.Bool, Col("i4"), K(0, PgType.Int4)),
            Or(Col("b"), F(64, "int2lt", PgType.Bool, Col("i2"), K((short)0, PgType.Int2))));
        var plan = Project(Filter(Scan("t"), pred),
            ("id", Col("id")),
            ("a", F(179, "int42pl", PgType.Int4, Col("i4"), Col("i2"))),
            ("b", F(1276, "int84mul", Int8, Col("i8"), K(2, PgType.Int4))),
            ("c", F(217, "float8div", PgType.Float8, Col("f8"), K(3.0, PgType.Float8))),
            ("d", F(1724, "numeric_add", Numeric, Col("n"), Col("n2"))),
            ("e", F(1726, "numeric_mul", Numeric, Col("n"), Col("n2"))),
            ("f", F(1258, "textcat", PgType.Text, Col("s"), Text(Col("v")))),
            ("g", F(1317, "length", PgType.Int4, Col("s"))),
            ("h", F(871, "upper", PgType.Text, Text(Col("v")))),
            ("i", F(1141, "date_pli", PgType.Date, Col("d"), K(30, PgType.Int4))),
            ("j", F(2054, "timestamp_lt", PgType.Bool, Col("ts"), K(315532800000000L, PgType.Timestamp))),
            ("k", new BoundCase([(F(146, "int2gt", PgType.Bool, Col("i2"), K((short)0, PgType.Int2)), K("pos", PgType.Text)),
                (F(64, "int2lt", PgType.Bool, Col("i2"), K((short)0, PgType.Int2)), K("neg", PgType.Text))], null, PgType.Text)),
            ("l", new BoundCoalesce([Col("i4"), F(313, "int4", PgType.Int4, Col("i2")), K(-1, PgType.Int4)], PgType.Int4)),
            ("m", new BoundNullTest(Col("i2"), false)),
            ("n", Not(Col("b"))),
            ("o", F(1727, "numeric_div", Numeric, Col("n2"), K(new PgNumeric(7, 0), Numeric))),
            ("p", F(1746, "float8", PgType.Float8, Col("n2"))),
            ("q", F(1743, "numeric", Numeric, Col("f8"))),
            ("r", F(1318, "length", PgType.Int4, Col("bp"))),
            ("s", F(156, "int4mod", PgType.Int4, Col("i4"), K(7, PgType.Int4))),
            ("t", F(1140, "date_mi", PgType.Int4, Col("d"), K(0, PgType.Date))));
        Check(density, size, plan, """
            SELECT id, i4 + i2, i8 * 2, f8 / 3.0::float8, n + n2, n * n2, s || v, length(s), upper(v), d + 30,
                   ts < timestamp '2010-01-01', CASE WHEN i2 > 0 THEN 'pos' WHEN i2 < 0 THEN 'neg' END,
                   COALESCE(i4, i2::int4, -1), i2 IS NULL, NOT b, n2 / 7::numeric, n2::float8, f8::numeric, length(bp),
                   i4 % 7, d - date '2000-01-01'
            FROM {t} WHERE i4 > 0 AND (b OR i2 < 0)
            """);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Like_and_text_comparisons(int density, int size)
    {
        var pred = Or(F(850, "textlike", PgType.Bool, Col("s"), K("a%", PgType.Text)),
            F(851, "textnlike", PgType.Bool, Text(Col("v")), K("%e%", PgType.Text)),
            F(850, "textlike", PgType.Bool, Col("s"), K("x\\_y", PgType.Text)),
            F(1048, "bpchareq", PgType.Bool, Col("bp"), K("fig", new PgType(PgTypeOid.Bpchar, 9))));
        var plan = Project(Filter(Scan("t"), pred),
            ("id", Col("id")), ("s", Col("s")),
            ("lt", F(740, "text_lt", PgType.Bool, Col("s"), K("cherry", PgType.Text))),
            ("lower", F(870, "lower", PgType.Text, Col("s"))),
            ("bp", Col("bp")));
        Check(density, size, plan, """
            SELECT id, s, s < 'cherry' COLLATE "C", lower(s), bp FROM {t}
            WHERE s LIKE 'a%' OR v NOT LIKE '%e%' OR s LIKE 'x\_y' OR bp = 'fig'
            """);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Aggregates_without_group_by(int density, int size)
    {
        var agg = Aggregate(Scan("t"), [],
            Agg(2803, "count", Int8),
            Agg(2147, "count", Int8, Col("i4")),
            Agg(2109, "sum", Int8, Col("i2")),
            Agg(2108, "sum", Int8, Col("i4")),
            Agg(2107, "sum", Numeric, Col("i8")),
            Agg(2114, "sum", Numeric, Col("n")),
            Agg(2114, "sum", Numeric, Col("n2")),
            Agg(2111, "sum", PgType.Float8, Col("f8")),
            Agg(2101, "avg", Numeric, Col("i4")),
            Agg(2100, "avg", Numeric, Col("i8")),
            Agg(2103, "avg", Numeric, Col("n")),
            Agg(2103, "avg", Numeric, Col("n2")),
            Agg(2105, "avg", PgType.Float8, Col("f8")),
            Agg(2145, "min", PgType.Text, Col("s")),
            Agg(2129, "max", PgType.Text, Col("s")),
            Agg(2146, "min", Numeric, Col("n")),
            Agg(2130, "max", Numeric, Col("n")),
            Agg(2138, "min", PgType.Date, Col("d")),
            Agg(2126, "max", PgType.Timestamp, Col("ts")),
            Agg(2136, "min", PgType.Float8, Col("f8")),
            Agg(2120, "max", PgType.Float8, Col("f8")),
            Agg(2245, "min", new PgType(PgTypeOid.Bpchar, 9), Col("bp")),
            Agg(2147, "count", Int8, Col("s"), F(1720, "numeric_gt", PgType.Bool, Col("n2"), K(new PgNumeric(0, 0), Numeric))));
        Check(density, size, Result(agg), """
            SELECT count(*), count(i4), sum(i2), sum(i4), sum(i8), sum(n), sum(n2), sum(f8), avg(i4), avg(i8), avg(n), avg(n2), avg(f8),
                   min(s COLLATE "C"), max(s COLLATE "C"), min(n), max(n), min(d), max(ts), min(f8), max(f8), min(bp),
                   count(s) FILTER (WHERE n2 > 0)
            FROM {t}
            """);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Aggregates_with_group_by(int density, int size)
    {
        var agg = Aggregate(Scan("t"), [Col("b"), F(155, "int2mod", PgType.Int2, Col("i2"), K((short)10, PgType.Int2))],
            Agg(2803, "count", Int8),
            Agg(2114, "sum", Numeric, Col("n2")),
            Agg(2101, "avg", Numeric, Col("i4")),
            Agg(2129, "max", PgType.Text, Col("s")));
        Check(density, size, Result(agg), """
            SELECT b, i2 % 10, count(*), sum(n2), avg(i4), max(s COLLATE "C") FROM {t} GROUP BY 1, 2
            """);
        var byText = Aggregate(Filter(Scan("t"), F(1720, "numeric_gt", PgType.Bool, Col("n2"), K(new PgNumeric(-50000, 2), Numeric))),
            [Col("s"), Col("bp"), Col("n")],
            Agg(2136, "min", PgType.Float8, Col("f8")),
            Agg(2103, "avg", Numeric, Col("n2")));
        Check(density, size, Result(byText), """
            SELECT s, bp, n, min(f8), avg(n2) FROM {t} WHERE n2 > -500.00 GROUP BY 1, 2, 3
            """);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sort_limit_and_top_n(int density, int size)
    {
        var sort = new PhysicalSort(Scan("t"), [new SortKey(Col("n"), true, false), new SortKey(Col("id"), false, false)], null);
        var plan = Project(new PhysicalLimit(sort, 5, 100), ("id", Col("id")), ("n", Col("n")));
        Check(density, size, plan, "SELECT id, n FROM {t} ORDER BY n DESC NULLS LAST, id OFFSET 5 LIMIT 100", ordered: true);

        var top = new PhysicalSort(Scan("t"), [new SortKey(Col("s"), false, false), new SortKey(Col("bp"), true, true),
            new SortKey(Col("f8"), false, true), new SortKey(Col("id"), true, false)], 40);
        var topPlan = Project(new PhysicalLimit(top, 0, 40), ("id", Col("id")), ("s", Col("s")), ("bp", Col("bp")), ("f8", Col("f8")));
        Check(density, size, topPlan, """
            SELECT id, s, bp, f8 FROM {t} ORDER BY s COLLATE "C", bp COLLATE "C" DESC NULLS FIRST, f8 NULLS FIRST, id DESC LIMIT 40
            """, ordered: true);

        var all = new PhysicalSort(Scan("t"), [new SortKey(Col("d"), false, true), new SortKey(Col("i8"), true, true), new SortKey(Col("id"), false, false)], null);
        Check(density, size, Project(all, ("id", Col("id")), ("d", Col("d")), ("ts", Col("ts")), ("b", Col("b")), ("f4", Col("f4"))),
            "SELECT id, d, ts, b, f4 FROM {t} ORDER BY d NULLS FIRST, i8 DESC NULLS FIRST, id", ordered: true);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Errors_match_postgres(int density, int size)
    {
        Check(density, size, Project(Scan("t"), ("x", F(141, "int4mul", PgType.Int4, Col("i4"), K(1000000, PgType.Int4)))),
            "SELECT i4 * 1000000 FROM {t}");
        Check(density, size, Project(Scan("t"), ("x", F(154, "int4div", PgType.Int4, Col("i4"), K(0, PgType.Int4)))),
            "SELECT i4 / 0 FROM {t}");
        Check(density, size, Project(Scan("t"), ("x", F(1727, "numeric_div", Numeric, Col("n"), K(new PgNumeric(0, 0), Numeric)))),
            "SELECT n / 0::numeric FROM {t}");
        Check(density, size, Project(Scan("t"), ("x", F(1744, "int4", PgType.Int4, F(1726, "numeric_mul", Numeric, Col("n2"), K(new PgNumeric(100000, 0), Numeric))))),
            "SELECT (n2 * 100000)::int4 FROM {t}");
    }

    [Fact]
    public void Empty_input_aggregate_yields_one_row()
    {
        var agg = Aggregate(Filter(Scan("t"), K(false, PgType.Bool)), [],
            Agg(2803, "count", Int8), Agg(2114, "sum", Numeric, Col("n")), Agg(2130, "max", Numeric, Col("n")), Agg(2105, "avg", PgType.Float8, Col("f8")));
        Check(0, 1024, Result(agg), "SELECT count(*), sum(n), max(n), avg(f8) FROM {t} WHERE false");
        var grouped = Aggregate(Filter(Scan("t"), K(false, PgType.Bool)), [Col("i2")], Agg(2803, "count", Int8));
        Check(0, 1024, Result(grouped), "SELECT i2, count(*) FROM {t} WHERE false GROUP BY i2");
    }

    [Fact]
    public void Unsupported_function_is_a_value_not_an_exception()
    {
        var plan = Project(Scan("t"), ("x", F(99999, "nosuch", PgType.Int4, Col("i4"))));
        var result = new QueryCompiler().Compile(plan);
        Assert.Null(result.Query);
        Assert.Equal("function 99999 (nosuch) is not supported", result.UnsupportedReason);
    }
}
