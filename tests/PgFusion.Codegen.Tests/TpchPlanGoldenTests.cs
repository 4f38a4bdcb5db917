using PgFusion.Codegen.Dump;
using PgFusion.Planner;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The physical plan (EXPLAIN text with its row estimates, join order notes and result columns)
/// the worker chooses for each of the 22 TPC-H query trees as the hook sends them at SF 1
/// (perf/tpch-json), planned with the worker's options, equals
/// tests/PgFusion.Codegen.Tests/Golden/tpch_plans/qNN.plan.txt. Planning-speed work must leave
/// these files unchanged; a deliberate planner change shows up as a readable diff.
/// PGFUSION_REGEN_FIXTURES=1 rewrites the files.
/// </summary>
public sealed class TpchPlanGoldenTests
{
    public static TheoryData<string> Queries => [.. Enumerable.Range(1, 22).Select(i => $"q{i:D2}")];

    [Theory]
    [MemberData(nameof(Queries))]
    public void Physical_plan_equals_the_golden_file(string query)
    {
        string root = SltCorpus.RepositoryRoot();
        byte[] json = File.ReadAllBytes(Path.Combine(root, "perf", "tpch-json", query + ".json"));
        var result = QueryPlanner.Plan(json, CompileAndDump.WorkerOptions);
        Assert.True(result.IsSupported, result.UnsupportedReason);
        string text = result.Plan!.Explain + "Result: " + string.Join(", ", result.Plan.ResultColumns.Select(c => $"{c.Name} {c.Type}")) + "\n";
        string golden = Path.Combine(root, "tests", "PgFusion.Codegen.Tests", "Golden", "tpch_plans", query + ".plan.txt");
        if (Environment.GetEnvironmentVariable("PGFUSION_REGEN_FIXTURES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllText(golden, text);
        }
        Assert.True(File.Exists(golden), $"{golden} is missing; PGFUSION_REGEN_FIXTURES=1 writes it");
        Assert.Equal(File.ReadAllText(golden), text);
    }
}
