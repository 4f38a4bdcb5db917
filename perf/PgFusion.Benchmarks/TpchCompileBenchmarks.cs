using BenchmarkDotNet.Attributes;
using PgFusion.Codegen;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner;

namespace PgFusion.Benchmarks;

/// <summary>
/// Issue 5's compile-time target, per TPC-H query: the Query JSON the hook sends for the query
/// (perf/tpch-json/qNN.json, captured with pg_fusion_query_tree from the SF1 database) through
/// QueryPlanner (with the worker's options: constants evaluated at plan time) and QueryCompiler with a fresh kernel cache, so every kernel's expression tree is
/// built and compiled to IL ("cold"), and with a warm kernel cache ("cached kernels": planning and
/// operator assembly only). The .NET code of the planner itself is jitted by the warm-up, as it is
/// in a worker that has served any query.
/// </summary>
[Config(typeof(QuickConfig))]
public class TpchCompileBenchmarks
{
    private byte[] json = [];
    private readonly KernelCache warm = new();

    [Params("q01", "q02", "q03", "q04", "q05", "q06", "q07", "q08", "q09", "q10", "q11",
            "q12", "q13", "q14", "q15", "q16", "q17", "q18", "q19", "q20", "q21", "q22")]
    public string Query { get; set; } = "q01";

    [GlobalSetup]
    public void Setup()
    {
        json = Load(Query);
        _ = Cold();
        _ = new QueryCompiler(warm).Compile(QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions).Plan!).Query;
    }

    [Benchmark(Description = "plan + compile, cold kernel cache")]
    public object? Cold() => CompileCold(json);

    [Benchmark(Description = "plan + compile, cached kernels")]
    public object? CachedKernels() => new QueryCompiler(warm).Compile(QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions).Plan!).Query;

    public static byte[] Load(string query) =>
        File.ReadAllBytes(Path.Combine(BenchmarkPaths.RepositoryRoot(), "perf", "tpch-json", query + ".json"));

    /// <summary>Plans and compiles with a new kernel cache; throws when the query is not supported.</summary>
    public static CompiledQuery CompileCold(byte[] json) => CompileCold(json, out _);

    /// <summary>The same, giving the number of kernels compiled.</summary>
    public static CompiledQuery CompileCold(byte[] json, out long kernels)
    {
        var cache = new KernelCache();
        var planned = QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions);
        var compiled = new QueryCompiler(cache).Compile(planned.Plan ?? throw new InvalidOperationException(planned.UnsupportedReason));
        kernels = cache.Compiles;
        return compiled.Query ?? throw new InvalidOperationException(compiled.UnsupportedReason);
    }
}
