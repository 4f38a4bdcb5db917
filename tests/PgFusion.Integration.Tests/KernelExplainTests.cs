using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// EXPLAIN ANALYZE shows the statement's kernels (DONE's kernel figures, docs/ipc.md 5.3): a query
/// the worker has never seen compiles its kernels; the same query again takes its plan from the
/// plan cache (nothing compiled, every kernel a hit); a new query whose kernels another query
/// compiled finds them in the kernel cache. The queries hold a literal unique to each test run, so
/// the shared worker's caches have seen none of their kernels before.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed partial class KernelExplainTests(HookDatabase db) : IClassFixture<HookDatabase>
{
    private const string T = HookDatabase.Table;

    /// <summary>A literal no earlier run used: kernel cache keys hold literal values.</summary>
    private static readonly long Unique = Random.Shared.NextInt64(1_000_000_000, 9_000_000_000);

    private readonly record struct Figures(long Compiled, double CompileMs, long CacheHits, bool PlanCached);

    private NpgsqlConnection OpenFusion()
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        var conn = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error");
        return conn;
    }

    private static string Query(long literal, string alias = "total") =>
        $"SELECT k, sum(big + {literal}) AS {alias} FROM {T} WHERE id % 7 <> {literal % 7} AND big > {literal % 1000} GROUP BY k";

    /// <summary>The PgFusionScan node's kernel properties from EXPLAIN (ANALYZE, FORMAT JSON).</summary>
    private static Figures ExplainJson(NpgsqlConnection conn, string sql)
    {
        string json = PgServer.Text(conn, "EXPLAIN (ANALYZE, FORMAT JSON) " + sql);
        using var doc = JsonDocument.Parse(json);
        var plan = doc.RootElement[0].GetProperty("Plan");
        var scan = FindScan(plan) ?? throw new Xunit.Sdk.XunitException($"no PgFusionScan node in {json}");
        return new Figures(
            scan.GetProperty("Kernels Compiled").GetInt64(),
            scan.GetProperty("Kernel Compile Time").GetDouble(),
            scan.GetProperty("Kernel Cache Hits").GetInt64(),
            scan.GetProperty("Plan Cached").GetBoolean());
    }

    private static JsonElement? FindScan(JsonElement node)
    {
        if (node.TryGetProperty("Custom Plan Provider", out var provider) && provider.GetString() == "PgFusionScan")
            return node;
        if (!node.TryGetProperty("Plans", out var children)) return null;
        foreach (var child in children.EnumerateArray())
        {
            if (FindScan(child) is { } found) return found;
        }
        return null;
    }

    [GeneratedRegex(@"^\s*Kernels: (\d+) compiled in ([0-9.]+) ms, (\d+) cache hits?(, plan cached)?$", RegexOptions.Multiline)]
    private static partial Regex KernelsLine();

    [Fact]
    public void The_first_run_compiles_and_the_second_takes_the_plan_and_its_kernels_from_the_cache()
    {
        using var conn = OpenFusion();
        string sql = Query(Unique);
        var first = ExplainJson(conn, sql);
        Assert.False(first.PlanCached);
        Assert.True(first.Compiled >= 1, $"the first run compiled nothing: {first}");
        Assert.True(first.CompileMs > 0, $"compiled kernels took no time: {first}");

        var second = ExplainJson(conn, sql);
        Assert.True(second.PlanCached, $"the second run did not use the plan cache: {second}");
        Assert.Equal(0, second.Compiled);
        Assert.Equal(0, second.CompileMs);
        // every kernel of the plan is reused; the first run's count also holds kernels compiled on first use
        Assert.True(second.CacheHits >= 1 && second.CacheHits <= first.Compiled + first.CacheHits, $"first {first}, second {second}");
    }

    [Fact]
    public void A_new_plan_with_the_same_expressions_finds_its_kernels_in_the_kernel_cache()
    {
        using var conn = OpenFusion();
        long literal = Unique + 1;
        var first = ExplainJson(conn, Query(literal));
        Assert.True(first.Compiled >= 1, $"{first}");

        // another output name: another Query JSON, so the plan cache misses, but every kernel's key is the same
        var renamed = ExplainJson(conn, Query(literal, "renamed"));
        Assert.False(renamed.PlanCached, $"{renamed}");
        Assert.True(renamed.CacheHits >= 1, $"no kernel cache hit: first {first}, renamed {renamed}");
        Assert.True(renamed.Compiled < first.Compiled + first.CacheHits, $"first {first}, renamed {renamed}");
    }

    [Fact]
    public void Text_format_prints_one_Kernels_line_under_ANALYZE_only()
    {
        using var conn = OpenFusion();
        string sql = Query(Unique + 2);
        string analyzed = PgServer.Text(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql);
        var line = KernelsLine().Match(analyzed);
        Assert.True(line.Success, analyzed);
        Assert.True(long.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture) >= 1, analyzed);
        Assert.False(line.Groups[4].Success, analyzed);

        string again = PgServer.Text(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql);
        var cached = KernelsLine().Match(again);
        Assert.True(cached.Success, again);
        Assert.Equal("0", cached.Groups[1].Value);
        Assert.True(cached.Groups[4].Success, again);

        Assert.DoesNotContain("Kernels", PgServer.Text(conn, "EXPLAIN (COSTS OFF) " + sql), StringComparison.Ordinal);
    }

    [Fact]
    public void A_prepared_statement_run_again_reuses_its_plan_and_reports_it_cached()
    {
        using var conn = OpenFusion();
        // force_generic_plan: PostgreSQL keeps one PlannedStmt, so the second EXECUTE sends no COMPILE
        PgServer.Execute(conn, "SET plan_cache_mode = force_generic_plan");
        PgServer.Execute(conn, $"PREPARE kernels_p AS {Query(Unique + 3)}");
        var first = ExplainJson(conn, "EXECUTE kernels_p");
        var second = ExplainJson(conn, "EXECUTE kernels_p");
        PgServer.Execute(conn, "DEALLOCATE kernels_p");
        Assert.True(first.Compiled >= 1, $"{first}");
        Assert.True(second.PlanCached, $"{second}");
        Assert.Equal(0, second.Compiled);
    }
}
