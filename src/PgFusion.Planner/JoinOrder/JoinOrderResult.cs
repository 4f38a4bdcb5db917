namespace PgFusion.Planner.JoinOrder;

public enum JoinOrderMethod
{
    /// <summary>Exact: the cheapest bushy tree without cross products (DPHyp).</summary>
    DPHyp,
    /// <summary>Greedy operator ordering, used above the pair budget or when DPHyp finds no plan.</summary>
    Greedy,
    /// <summary>No valid order was found; the planner keeps the query's written order.</summary>
    None,
}

public sealed record JoinOrderOptions
{
    /// <summary>
    /// Most csg-cmp pairs DPHyp may emit before it gives up for the greedy fallback (the planner
    /// maps a GUC onto this). The default admits a 10-way clique (28,501 pairs) and 14-way stars.
    /// </summary>
    public long PairBudget { get; init; } = 100_000;

    public static JoinOrderOptions Default { get; } = new();
}

/// <param name="EmittedPairs">Connected csg-cmp pairs DPHyp considered (each unordered pair once), including those it then rejected as invalid reorderings.</param>
/// <param name="FallbackReason">Why the greedy fallback ran (for EXPLAIN), or why there is no tree.</param>
public sealed record JoinOrderResult(JoinTree? Tree, JoinOrderMethod Method, long EmittedPairs, string? FallbackReason)
{
    public bool UsedGreedy => Method == JoinOrderMethod.Greedy;
}
