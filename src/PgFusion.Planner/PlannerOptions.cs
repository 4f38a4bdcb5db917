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

    public static PlannerOptions Default { get; } = new([]);
}
