using BenchmarkDotNet.Attributes;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;

namespace PgFusion.Benchmarks;

/// <summary>
/// Issue 4's planning target: the Query JSON text of a TPC-H query (perf/tpch-json/qNN.json, as the
/// hook sends it) to a physical plan, warm (the planner's own code jitted): parsing, binding, every
/// rewrite rule and physical planning with EXPLAIN text, no kernel compiled. "parse" is the
/// envelope alone (syntax, relations, statistics, catalog), "parse + bind" adds the binder.
/// Q5, Q8 and Q9 are the sizes the issue names; Q7 and Q19 had the longest binds and compiles.
/// Figures in perf/planning.md.
/// </summary>
[Config(typeof(JoinOrderBenchmarks.ShortInProcess))]
[MemoryDiagnoser]
public class PlanningBenchmarks
{
    private byte[] json = [];

    /// <summary>PGFUSION_PROFILE_QUERY picks the query for the `profile` mode (default q08).</summary>
    [Params("q05", "q07", "q08", "q09", "q19")]
    public string Query { get; set; } = Environment.GetEnvironmentVariable("PGFUSION_PROFILE_QUERY") ?? "q08";

    [GlobalSetup]
    public void Setup()
    {
        json = TpchCompileBenchmarks.Load(Query);
        if (JsonToPhysicalPlan() is null) throw new InvalidOperationException($"{Query} is not supported");
    }

    [Benchmark(Description = "parse")]
    public int Parse()
    {
        using var envelope = QueryEnvelopeReader.Read(json);
        return envelope.Relations.Count;
    }

    [Benchmark(Description = "parse + bind")]
    public object ParseBind()
    {
        using var envelope = QueryEnvelopeReader.Read(json);
        return QueryBinder.Bind(envelope).Root;
    }

    [Benchmark(Description = "JSON -> physical plan")]
    public object? JsonToPhysicalPlan() => QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions).Plan;
}
