using PgFusion.Codegen.Kernels;

namespace PgFusion.Worker;

/// <summary>
/// What one statement's kernels cost, as DONE reports it (docs/ipc.md, EXPLAIN ANALYZE's
/// "Kernels:" line): kernels compiled and the time that took, kernels found in a cache, and
/// whether the plan itself came from the worker's plan cache (then every kernel of the plan
/// counts as a cache hit and none was compiled at planning).
/// </summary>
internal sealed record KernelFigures(long Compiled, long CacheHits, double CompileMs, bool PlanCached)
{
    public static KernelFigures None { get; } = new(0, 0, 0, false);

    /// <summary>A plan taken from the plan cache: its <paramref name="kernels"/> were compiled by an earlier statement.</summary>
    public static KernelFigures FromPlanCache(long kernels) => new(0, kernels, 0, true);

    /// <summary>The kernels a compile (or an execution) looked up.</summary>
    public static KernelFigures Of(KernelUse use) => new(use.Compiles, use.Hits, use.CompileTime.TotalMilliseconds, false);

    /// <summary>This statement's planning figures plus the kernels its execution compiled or found on first use.</summary>
    public KernelFigures Plus(KernelUse execution) =>
        this with
        {
            Compiled = Compiled + execution.Compiles,
            CacheHits = CacheHits + execution.Hits,
            CompileMs = CompileMs + execution.CompileTime.TotalMilliseconds,
        };
}
