using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz;
using PgFusion.Fuzz.Generators;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Running;
using PgFusion.Fuzz.Schema;
using Xunit;

namespace PgFusion.Property.Tests;

/// <summary>How failures reach the developer: through FsCheck's Check, with the seed, the DDL and the shrunk SQL.</summary>
public sealed class FailureReportTests
{
    private static FuzzFailure SampleFailure()
    {
        var table = new FuzzTable("t1", [new FuzzColumn("id", "int4", ColumnKind.Int4, false), new FuzzColumn("c1", "float8", ColumnKind.Float8, true)],
            [["'1'", "'-0'"], ["'2'", "NULL"]]);
        var query = new FuzzQuery { From = "t1 a", Select = [Expr.Leaf(ColumnKind.Float8, "a.c1")], OrderBy = [""] };
        return new FuzzFailure("PGFUSION_FUZZ_SEED=7, case 3", new FuzzSchema([table]), query, query.Sql + " LIMIT 5",
            new Verdict(VerdictKind.Mismatch, "ordered rows differ at row 1"), new RowsOutcome([("c1", 701)], [["-0"], [null]]), "Custom Scan (PgFusionScan)");
    }

    [Fact]
    public void The_report_has_the_seed_the_schema_the_shrunk_query_and_an_slt()
    {
        var text = SampleFailure().ToString();
        Assert.Contains("PGFUSION_FUZZ_SEED=7, case 3", text, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE t1 (id int4 NOT NULL, c1 float8)", text, StringComparison.Ordinal);
        Assert.Contains("SELECT a.c1 FROM t1 a ORDER BY 1;", text, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO t1 VALUES ('1', '-0'), ('2', NULL)", text, StringComparison.Ordinal);
        Assert.Contains("query R nosort fuzz\nSELECT a.c1 FROM t1 a ORDER BY 1", SampleFailure().ToSlt(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_property_surfaces_the_report_through_Check()
    {
        var report = SampleFailure().ToString();
        var property = Prop.ForAll(Arb.From(Gen.Choose(0, 10)), (Func<int, bool>)(_ => throw new InvalidOperationException(report)));
        var e = Assert.ThrowsAny<Exception>(() => property.Check(Config.QuickThrowOnFailure.WithMaxTest(5)));
        Assert.Contains("SELECT a.c1 FROM t1 a ORDER BY 1;", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Case_i_of_a_seed_is_always_the_same_case()
    {
        var options = new FuzzOptions { QueriesPerCase = 3, MaxRows = 50 };
        var a = CaseGen.Sample(options, 42, 7).ToString();
        Assert.Equal(a, CaseGen.Sample(options, 42, 7).ToString());
        Assert.NotEqual(a, CaseGen.Sample(options, 42, 8).ToString());
    }
}
