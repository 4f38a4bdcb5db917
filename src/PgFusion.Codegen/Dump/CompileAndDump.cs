using System.Diagnostics;
using System.Globalization;
using System.Text;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner;

namespace PgFusion.Codegen.Dump;

/// <summary>
/// What compile-and-dump shows for one query: the logical plan after binding and after each rule,
/// the physical plan, and the compiled operator tree with every kernel as C# and IL; or why the
/// query is not supported. <see cref="ToText"/> is pg_fusion_explain's and `pgfusion dump`'s text.
/// </summary>
public sealed record FullDump(
    IReadOnlyList<(string Stage, string Plan)> Stages,
    string? PhysicalPlan,
    QueryDump? Compiled,
    string? UnsupportedReason,
    double PlanMs,
    double TotalMs)
{
    /// <summary>
    /// Kernels this dump built (the query's compile and the on-first-use variants the dump shows),
    /// and kernels it took from the kernel cache (their "compiled in" time is their first compile's).
    /// </summary>
    public (long Compiled, long FromCache) KernelCacheUse { get; init; }

    /// <param name="everyRule">Every rule's plan, not only the bound and the final logical plans.</param>
    /// <param name="il">Each kernel's IL after its C#.</param>
    /// <param name="timings">Compile times (off for golden files, whose text must not vary from run to run).</param>
    public string ToText(bool everyRule = false, bool il = true, bool timings = true)
    {
        if (UnsupportedReason is not null) return "Unsupported: " + UnsupportedReason;
        var sb = new StringBuilder();
        var logical = Stages.Where(s => s.Stage != "unsupported").ToList();
        for (int i = 0; i < logical.Count - 1; i++)
        {
            if (i == 0 || everyRule)
                sb.Append("== logical plan after ").Append(logical[i].Stage).AppendLine(" ==").AppendLine(logical[i].Plan.TrimEnd());
        }
        if (logical.Count > 0)
            sb.Append("== logical plan (after ").Append(logical[^1].Stage).AppendLine(") ==").AppendLine(logical[^1].Plan.TrimEnd());
        sb.AppendLine("== planner's physical plan ==").AppendLine(PhysicalPlan?.TrimEnd());
        sb.Append(Compiled!.ToText(il, timings));
        if (timings)
        {
            sb.Append(CultureInfo.InvariantCulture, $"== kernel cache: {KernelCacheUse.Compiled} kernels compiled, {KernelCacheUse.FromCache} taken from the cache ==").AppendLine();
            sb.Append(CultureInfo.InvariantCulture, $"== timing: plan {PlanMs:F2} ms, plan+compile {TotalMs:F2} ms ==");
        }
        return sb.ToString();
    }
}

/// <summary>
/// The compile-and-dump API: a query's JSON (from pg_fusion_query_tree, or a file) planned and
/// compiled exactly as the worker does it (<see cref="WorkerOptions"/>), then dumped.
/// </summary>
public static class CompileAndDump
{
    /// <summary>
    /// The planner options the worker runs with: constant subexpressions evaluated at plan time
    /// (with PostgreSQL's plan-time errors), the functions Codegen implements known strict, and
    /// index-probe joins unless PGFUSION_INDEX_PROBE_JOINS=off is in the environment (benchmarks
    /// compare the plans before them; it also turns the or_restriction rule off).
    /// PGFUSION_INDEX_PROBE_JOINS=scan turns only the index-probe joins off (every other rule as
    /// usual): the A/B of the probe cost model (perf/index-probe-cost-2026-12-01.md);
    /// PGFUSION_INDEX_PROBE_JOINS=always takes every index-probe candidate whatever its cost (the
    /// other side of that A/B, perf/probe-leaf-walk-2026-12-01.md).
    /// </summary>
    public static PlannerOptions WorkerOptions { get; } = CreateWorkerOptions();

    private static PlannerOptions CreateWorkerOptions()
    {
        string? setting = Environment.GetEnvironmentVariable("PGFUSION_INDEX_PROBE_JOINS");
        bool off = string.Equals(setting, "off", StringComparison.OrdinalIgnoreCase);
        bool probes = !off && !string.Equals(setting, "scan", StringComparison.OrdinalIgnoreCase);
        bool always = string.Equals(setting, "always", StringComparison.OrdinalIgnoreCase);
        return new PlannerOptions(off ? ["or_restriction"] : []) with
        {
            EvaluateConstant = ConstantEvaluator.Evaluate,
            IsStrictFunction = oid => Functions.FunctionRegistry.TryGet(oid, out _), // every function Codegen implements is strict
            IndexProbeJoins = probes,
            ForceIndexProbes = always,
        };
    }

    /// <summary>
    /// Plans, compiles (through <paramref name="cache"/>, a fresh cache when null so that every
    /// kernel is compiled and timed) and dumps. Malformed JSON raises QueryJsonException naming the
    /// JSON path; an unsupported query gives a dump with <see cref="FullDump.UnsupportedReason"/>.
    /// </summary>
    public static FullDump Run(ReadOnlySpan<byte> json, PlannerOptions? options = null, KernelCache? cache = null)
    {
        options ??= WorkerOptions;
        var clock = Stopwatch.StartNew();
        var planned = QueryPlanner.Plan(json, options);
        double planMs = clock.Elapsed.TotalMilliseconds;
        if (!planned.IsSupported)
            return new FullDump([], null, null, planned.UnsupportedReason, planMs, planMs);
        var before = KernelCache.ThreadCounts;
        var compiled = new QueryCompiler(cache ?? new KernelCache()).Compile(planned.Plan!);
        double totalMs = clock.Elapsed.TotalMilliseconds;
        if (compiled.Query is null)
            return new FullDump([], planned.Plan!.Explain, null, compiled.UnsupportedReason, planMs, totalMs);
        var stages = QueryPlanner.ExplainRules(json, options);
        // Dump() also compiles the variants a query compiles only when a batch needs them (shown as C# and IL), so count after it
        var queryDump = compiled.Query.Dump();
        var after = KernelCache.ThreadCounts;
        return new FullDump(stages, planned.Plan!.Explain, queryDump, null, planMs, totalMs)
        {
            KernelCacheUse = (after.Compiles - before.Compiles, after.Hits - before.Hits),
        };
    }
}
