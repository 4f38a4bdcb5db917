using PgFusion.Planner.Logical;

namespace PgFusion.Planner;

/// <summary>
/// Planner switches: rewrite rules to skip by name (see Rules/Optimizer.DefaultRules), and an
/// observer that sees the logical plan after binding ("bind") and after each rule.
/// </summary>
public sealed record PlannerOptions(IReadOnlyCollection<string> DisabledRules, Action<string, LogicalPlan>? AfterRule = null)
{
    public static PlannerOptions Default { get; } = new([]);
}
