using BenchmarkDotNet.Attributes;
using PgFusion.Codegen;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner;
using PgFusion.Worker;

namespace PgFusion.Benchmarks;

/// <summary>
/// What the worker does for a COMPILE request, offline: Query JSON (captured from PostgreSQL,
/// tests/PgFusion.Planner.Tests/Fixtures) -> QueryPlanner -> QueryCompiler. Cold: a fresh kernel
/// cache, so every kernel's expression tree is built and compiled. Cached kernels: the planner
/// runs, the kernels come from the cache (the same query shape was compiled before, e.g. through
/// pg_fusion_explain). Plan cache hit: what a repeated COMPILE costs the worker (canonical key of
/// the JSON + lookup; neither planner nor compiler runs).
/// </summary>
[Config(typeof(QuickConfig))]
public class PlanCompileBenchmarks
{
    private byte[] json = [];
    private readonly KernelCache warm = new();
    private readonly PlanCache plans = new();

    [Params("filter_project", "group_having_order_limit")]
    public string Query { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        json = File.ReadAllBytes(Path.Combine(BenchmarkPaths.RepositoryRoot(), "tests", "PgFusion.Planner.Tests", "Fixtures", Query + ".json"));
        var planned = QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions);
        var compiled = new QueryCompiler(warm).Compile(planned.Plan ?? throw new InvalidOperationException(planned.UnsupportedReason));
        plans.AddCompiled(PlanCache.CanonicalKey(json), compiled.Query ?? throw new InvalidOperationException(compiled.UnsupportedReason), 1);
    }

    [Benchmark(Description = "plan only")]
    public object? PlanOnly() => QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions).Plan;

    [Benchmark(Description = "plan + compile, cold kernel cache")]
    public object? Cold() => new QueryCompiler(new KernelCache()).Compile(QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions).Plan!).Query;

    [Benchmark(Description = "plan + compile, cached kernels")]
    public object? CachedKernels() => new QueryCompiler(warm).Compile(QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions).Plan!).Query;

    [Benchmark(Description = "worker plan cache hit (key + lookup)")]
    public bool PlanCacheHit() => plans.TryGet(PlanCache.CanonicalKey(json), out _);
}
