using PgFusion.Planner.Physical;

namespace PgFusion.Planner;

/// <summary>
/// A query the planner can run: the physical plan, the result columns (the non-junk target list,
/// in order) and the EXPLAIN text of the plan.
/// </summary>
public sealed record PlannedQuery(PhysicalPlan Root, IReadOnlyList<OutputColumn> ResultColumns)
{
    public PlannedQuery(PhysicalPlan root, IReadOnlyList<OutputColumn> resultColumns, string explain)
        : this(root, resultColumns)
    {
        ArgumentNullException.ThrowIfNull(explain);
        _explain = explain;
    }

    /// <summary>
    /// A plan whose EXPLAIN text is formatted on first read: the worker's compile path never reads it
    /// (CompiledPlan describes its operators itself), and formatting it was a sixth of planning a
    /// TPC-H join query. <paramref name="formatExplain"/> must read only immutable state (the plan
    /// and the catalog), since it may run after the envelope is disposed and on another thread.
    /// </summary>
    public PlannedQuery(PhysicalPlan root, IReadOnlyList<OutputColumn> resultColumns, Func<string> formatExplain)
        : this(root, resultColumns)
    {
        ArgumentNullException.ThrowIfNull(formatExplain);
        _formatExplain = formatExplain;
    }

    private string? _explain;

    private readonly Func<string>? _formatExplain;

    /// <summary>The EXPLAIN text (formatted once; two threads asking at once may both format it, with the same result).</summary>
    public string Explain => _explain ??= _formatExplain?.Invoke() ?? "";

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
