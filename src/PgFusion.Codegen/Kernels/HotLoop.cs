using System.Runtime.CompilerServices;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// How the library's per-batch loops (vector filter words, fused folds, grouped sums, probes) are
/// compiled: <c>[MethodImpl(HotLoop.Options)]</c>.
/// </summary>
/// <remarks>
/// Without it their machine code depended on tiered compilation's timing. The operator loop that
/// calls them once per batch (HashAggregateStream.Fold and its kin) runs once per query, so it
/// runs as Tier0 code with on-stack replacement, later as Tier1, and dynamic PGO inlined the whole
/// batch path into whichever version was current, with the inliner's budget spent differently
/// each time: in one process the Q6 fused filter + sum took 1.6 ms per 1M rows, in another 2.1-2.6
/// ms, and 7.5-8 ms while the loops were still Tier0 (perf/kernels-2026-12-01.md). The first
/// batches of a worker's first queries ran that Tier0 code too. NoInlining keeps each loop a
/// method of its own, compiled once; AggressiveOptimization compiles it fully optimised at its
/// first call (no Tier0, no OSR, no instrumented tier). The loops are simple enough that PGO has
/// nothing to add; the per-call overhead is once per batch or per range of mask words.
/// </remarks>
internal static class HotLoop
{
    public const MethodImplOptions Options = MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization;
}
