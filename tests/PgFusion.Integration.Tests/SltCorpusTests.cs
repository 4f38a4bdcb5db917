using PgFusion.TestSupport;
using PgFusion.TestSupport.Slt;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Integration.Tests;

/// <summary>
/// The SQL corpus: one test case per tests/sql/**/*.slt file, each in its own database. With
/// pg_fusion loaded every query is compared off vs on; without it (a cluster started with
/// PGFUSION_PRELOAD=) only the oracle side runs and the output says so. Under `./pgfusion test`
/// PGFUSION_REQUIRE_EXTENSION=1 turns a missing pg_fusion into a failure.
/// </summary>
public sealed class SltCorpusTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in SltCorpus.Files()) data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Slt_file(string file)
    {
        var report = SltRunner.RunFile(SltCorpus.FullPath(file), file);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
        Assert.True(report.Queries > 0, $"{file} has no queries");
        if (!report.Compared && Environment.GetEnvironmentVariable("PGFUSION_REQUIRE_EXTENSION") == "1")
            Assert.Fail($"{file}: PGFUSION_REQUIRE_EXTENSION=1 but pg_fusion is not loaded on port {PgServer.Port}: the off/on comparison did not happen");
    }

    [Fact]
    public void Corpus_is_found_and_parses()
    {
        var files = SltCorpus.Files();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var script = SltParser.ParseFile(SltCorpus.FullPath(file), file);
            output.WriteLine($"{file}: {script.QueryCount} queries, {script.StatementCount} statements, default {script.DefaultOffload}");
        }
    }
}
