using PgFusion.Planner.Physical;

namespace PgFusion.Planner;

/// <summary>
/// A query the planner can run: the physical plan, the result columns (the non-junk target list,
/// in order) and the EXPLAIN text of the plan.
/// </summary>
public sealed record PlannedQuery(PhysicalPlan Root, IReadOnlyList<OutputColumn> ResultColumns, string Explain)
{
    /// <summary>Lines EXPLAIN shows below the plan (e.g. "Join Order: greedy ..." when DPHyp's pair budget ran out).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// The planner's answer: a plan, or Unsupported with a reason that names the construct (it reaches
/// EXPLAIN, the fallback log and the ERROR with on_unsupported = error). Not an exception: an
/// unsupported query is an expected outcome.
/// </summary>
public sealed record PlanResult(PlannedQuery? Plan, string? UnsupportedReason)
{
    public static PlanResult Ok(PlannedQuery plan) => new(plan, null);

    public static PlanResult Unsupported(string reason) => new(null, reason);

    public bool IsSupported => Plan is not null;
}
