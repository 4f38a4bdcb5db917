using System.Text.RegularExpressions;
using PgFusion.TestSupport;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Cli.Tests;

/// <summary>A database with one small table and pg_fusion (for pg_fusion_query_tree), for `dump --sql`.</summary>
public sealed class DumpDatabase
{
    public const string Name = "pgfusion_cli_test";

    public DumpDatabase()
    {
        ConnectionString = PgServer.CreateDatabase(Name);
        using var conn = PgServer.Open(Name);
        PgServer.Execute(conn, """
            CREATE TABLE cli_orders AS
            SELECT g AS id, g % 5 AS region, (g * 1.5)::numeric(12,2) AS amount
            FROM generate_series(1, 100) g;
            ANALYZE cli_orders;
            """);
    }

    public string ConnectionString { get; }
}

/// <summary>
/// `pgfusion-cli dump`, run in-process through Program.Main: from a captured TPC-H Query JSON
/// (perf/tpch-json) and from `--sql` with a connection string (the JSON fetched through
/// pg_fusion_query_tree), it prints the bound, optimized and physical plans and every kernel as
/// C# and as IL; a missing file, a malformed JSON and a bad option end with a one-line error and
/// a non-zero exit code, never a stack trace.
/// </summary>
public sealed partial class DumpCommandTests(DumpDatabase db) : IClassFixture<DumpDatabase>
{
    private static string TpchJson(string name) => Path.Combine(SltCorpus.RepositoryRoot(), "perf", "tpch-json", name);

    [GeneratedRegex(@"^== kernel (\S+) \(compiled in [0-9.]+ ms\) ==$", RegexOptions.Multiline)]
    private static partial Regex KernelHeader();

    [GeneratedRegex(@"^== kernel (\S+): IL ==$", RegexOptions.Multiline)]
    private static partial Regex IlHeader();

    [GeneratedRegex(@"^== logical plan after \S+ ==$", RegexOptions.Multiline)]
    private static partial Regex RuleHeader();

    /// <summary>Every section a full dump has: bound, optimized and physical plans, kernels as C# and IL.</summary>
    private static void AssertFullDump(CliRun run, bool il = true)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Error);
        string text = run.Out;
        Assert.Contains("== logical plan after bind ==", text, StringComparison.Ordinal);
        Assert.Matches(@"== logical plan \(after \S+\) ==", text);
        Assert.Contains("== planner's physical plan ==", text, StringComparison.Ordinal);
        Assert.Contains("== physical plan ==", text, StringComparison.Ordinal);
        var kernels = KernelHeader().Matches(text).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(kernels);
        Assert.Matches(@"public static class Kernel\w+", text);
        Assert.Matches(@"public static \w+ (Filter|Project)\(", text);
        var ils = IlHeader().Matches(text).Select(m => m.Groups[1].Value).ToList();
        if (il)
        {
            // every kernel's C# is followed by its IL, which ends in a return
            Assert.Equal(kernels, ils);
            Assert.Matches(@"(?m)^\s*IL_[0-9A-F]{4}: ret\b", text);
        }
        else
        {
            Assert.Empty(ils);
        }
        Assert.Matches(@"== kernel cache: \d+ kernels compiled, \d+ taken from the cache ==", text);
    }

    [Fact]
    public void A_TPC_H_JSON_file_dumps_every_plan_and_every_kernel_as_CSharp_and_IL()
    {
        var run = CliRun.Of("dump", TpchJson("q06.json"));
        AssertFullDump(run);
        // Q6: one scan of lineitem, its filter with the folded date bounds, one sum
        Assert.Contains("lineitem", run.Out, StringComparison.Ordinal);
        Assert.Contains("sum", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_join_query_file_dumps_its_join_and_its_kernels()
    {
        var run = CliRun.Of("dump", TpchJson("q03.json"));
        AssertFullDump(run);
        Assert.Contains("Join", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void No_il_leaves_the_IL_out_and_every_rule_prints_each_rule_s_plan()
    {
        AssertFullDump(CliRun.Of("dump", TpchJson("q06.json"), "--no-il"), il: false);
        var plain = CliRun.Of("dump", TpchJson("q06.json"));
        var everyRule = CliRun.Of("dump", TpchJson("q06.json"), "--every-rule");
        AssertFullDump(everyRule);
        Assert.Single(RuleHeader().Matches(plain.Out));
        Assert.True(RuleHeader().Matches(everyRule.Out).Count > 1, everyRule.Out);
    }

    [Fact]
    public void Sql_with_a_connection_string_fetches_the_query_tree_and_dumps_it()
    {
        string saved = Path.Combine(Path.GetTempPath(), $"pgfusion-cli-test-{Environment.ProcessId}.json");
        try
        {
            const string Sql = "SELECT region, sum(amount), count(*) FROM cli_orders WHERE id > 10 GROUP BY region";
            var run = CliRun.Of("dump", "--sql", Sql, "--connection", db.ConnectionString, "--save-json", saved);
            AssertFullDump(run);
            Assert.Contains("cli_orders", run.Out, StringComparison.Ordinal);

            // the JSON it saved is pg_fusion_query_tree's, and dumping that file prints the same plans
            using (var conn = PgServer.Open(DumpDatabase.Name))
            {
                var tree = (string)PgServer.Scalar(conn, $"SELECT pg_fusion_query_tree('{Sql}')::text")!;
                Assert.Equal(tree, File.ReadAllText(saved));
            }
            var fromFile = CliRun.Of("dump", saved);
            AssertFullDump(fromFile);
            Assert.Equal(WithoutTimings(run.Out), WithoutTimings(fromFile.Out));
        }
        finally
        {
            File.Delete(saved);
        }
    }

    /// <summary>The dump without compile times and kernel cache counts (they vary between two runs).</summary>
    private static string WithoutTimings(string dump) =>
        Regex.Replace(Regex.Replace(dump, @"\(compiled in [0-9.]+ ms\)", ""), @"(?m)^== (kernel cache|timing):.*$", "");

    [Fact]
    public void A_missing_file_is_a_usage_error_naming_it()
    {
        string missing = Path.Combine(Path.GetTempPath(), "pgfusion-no-such-query.json");
        var run = CliRun.Of("dump", missing);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"pgfusion-cli dump: no such file: {missing}", run.Error, StringComparison.Ordinal);
        Assert.Contains("usage: pgfusion-cli dump", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public void A_query_JSON_missing_a_field_fails_naming_the_JSON_path()
    {
        string bad = Path.Combine(Path.GetTempPath(), $"pgfusion-cli-bad-{Environment.ProcessId}.json");
        try
        {
            // q06 with the range table's entries renamed away: the planner cannot resolve the scan
            string json = File.ReadAllText(TpchJson("q06.json")).Replace("\"rtable\":", "\"rtablex\":", StringComparison.Ordinal);
            File.WriteAllText(bad, json);
            var run = CliRun.Of("dump", bad);
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.StartsWith("pgfusion-cli dump: invalid Query JSON at $.query: missing field \"rtable\"", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
            Assert.Equal("", run.Out);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public void A_file_that_is_not_JSON_fails_with_one_line_naming_where()
    {
        string bad = Path.Combine(Path.GetTempPath(), $"pgfusion-cli-notjson-{Environment.ProcessId}.json");
        try
        {
            File.WriteAllText(bad, "{\"version\":1,\"query\": [oops");
            var run = CliRun.Of("dump", bad);
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.StartsWith("pgfusion-cli dump: invalid Query JSON at $.query", run.Error, StringComparison.Ordinal);
            Assert.Contains("malformed JSON", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
            Assert.Equal("", run.Out);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Theory]
    [InlineData("give either a JSON file or --sql")]
    [InlineData("give either a JSON file or --sql", "q06.json", "--sql", "SELECT 1")]
    [InlineData("unexpected argument 'extra'", "q06.json", "extra")]
    [InlineData("option '--sql' needs a value", "--sql")]
    public void Bad_arguments_are_usage_errors(string message, params string[] args)
    {
        var resolved = args.Select(a => a == "q06.json" ? TpchJson(a) : a).Prepend("dump").ToArray();
        var run = CliRun.Of(resolved);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"pgfusion-cli dump: {message}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sql_that_PostgreSQL_rejects_reports_its_SQLSTATE()
    {
        var run = CliRun.Of("dump", "--sql", "SELECT no_such_column FROM cli_orders", "--connection", db.ConnectionString);
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("pgfusion-cli dump: PostgreSQL error 42703", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_query_prints_the_reason_and_exits_3()
    {
        // a volatile function: pg_fusion never offloads random()
        var run = CliRun.Of("dump", "--sql", "SELECT random() FROM cli_orders", "--connection", db.ConnectionString);
        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("Unsupported: ", run.Out, StringComparison.Ordinal);
    }
}
