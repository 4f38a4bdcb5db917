using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Integration.Tests;

public sealed class SltParserTests
{
    [Fact]
    public void Parses_records_directives_and_options()
    {
        var script = SltParser.Parse("""
            # pgfusion: offload required

            statement ok
            CREATE TABLE t (a int)

            statement error 42P01
            SELECT * FROM missing

            query IT nosort ordered_label
            explain-match Custom Scan \(PgFusionScan\)
            explain-not-match Seq Scan
            explain-analyze-match Spill: Sort \d+ files
            SELECT a, a::text
            FROM t ORDER BY a

            query R rowsort fallback-ok tolerance 1e-9
            SELECT sum(a::float8) FROM t

            query error 22012
            SELECT 1/0
            """);
        Assert.Equal(SltOffload.Required, script.DefaultOffload);
        Assert.Equal(5, script.Records.Count);
        var st = Assert.IsType<SltStatement>(script.Records[1]);
        Assert.True(st.ExpectError);
        Assert.Equal("42P01", st.SqlState);
        var q = Assert.IsType<SltQuery>(script.Records[2]);
        Assert.Equal(("IT", SltSortMode.NoSort, "ordered_label", 9), (q.ColumnTypes, q.SortMode, q.Label, q.Line));
        Assert.Equal("SELECT a, a::text\nFROM t ORDER BY a", q.Sql);
        Assert.Equal([@"Custom Scan \(PgFusionScan\)"], q.ExplainMatch);
        Assert.Equal(["Seq Scan"], q.ExplainNotMatch);
        Assert.Equal([@"Spill: Sort \d+ files"], q.ExplainAnalyzeMatch);
        Assert.Equal(SltOffload.Required, script.OffloadOf(q));
        var f = Assert.IsType<SltQuery>(script.Records[3]);
        Assert.Equal((1e-9, SltOffload.FallbackOk), (f.Tolerance!.Value, script.OffloadOf(f)));
        var e = Assert.IsType<SltQuery>(script.Records[4]);
        Assert.Equal((true, "22012"), (e.ExpectError, e.SqlState));
    }

    [Theory]
    [InlineData("query I nosort\nSELECT 1", "nosort needs an ORDER BY")]
    [InlineData("query X\nSELECT 1", "unknown column type 'X'")]
    [InlineData("query I\nSELECT 1\n----\n1", "results are not written")]
    [InlineData("query I tolerance 1e-9\nSELECT 1", "float (R) columns")]
    [InlineData("query I a\nSELECT 1\n\nquery I a\nSELECT 2", "duplicate label")]
    [InlineData("statement maybe\nSELECT 1", "statement ok")]
    [InlineData("# pgfusion: offload sometimes\n", "unknown directive")]
    [InlineData("select 1", "expected 'statement'")]
    public void Rejects_malformed_files_with_the_line(string text, string message)
    {
        var e = Assert.Throws<SltParseException>(() => SltParser.Parse(text, "f.slt"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("f.slt:", e.Message, StringComparison.Ordinal);
    }
}
