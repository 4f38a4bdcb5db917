using PgFusion.Planner.Logical;

namespace PgFusion.Planner;

/// <summary>
/// Planner switches: rewrite rules to skip by name (see Rules/Optimizer.DefaultRules), and an
/// observer that sees the logical plan after binding ("bind") and after each rule, and the
/// evaluator of constant expressions (Codegen's kernels; see Rules/ConstantEvaluation) without
/// which constant function calls are left to run time.
/// </summary>
public sealed record PlannerOptions(IReadOnlyCollection<string> DisabledRules, Action<string, LogicalPlan>? AfterRule = null)
{
    public Func<Binding.BoundExpr, object?>? EvaluateConstant { get; init; }

    /// <summary>Whether a function (by pg_proc OID) is strict: NULL for any NULL argument. Unknown functions: not folded.</summary>
    public Func<uint, bool>? IsStrictFunction { get; init; }

    /// <summary>Whether joins may read their inner relation through a btree index (Physical/PhysicalIndexProbeJoin); off compares with plain hash joins.</summary>
    public bool IndexProbeJoins { get; init; } = true;

    /// <summary>Measurements only: every index-probe candidate is taken whatever its cost (PGFUSION_INDEX_PROBE_JOINS=always).</summary>
    public bool ForceIndexProbes { get; init; }

    public static PlannerOptions Default { get; } = new([]);
}
