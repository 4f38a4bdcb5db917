using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// LIMIT n OFFSET m over ORDER BY -> a top-(m + n) sort (keeps a bounded heap instead of sorting
/// everything); the limit stays above it only to skip the offset.
/// </summary>
public sealed class LimitSortToTopN : IRewriteRule
{
    public string Name => "limit_sort_to_topn";

    public LogicalPlan Apply(LogicalPlan plan) => plan.TransformUp(p =>
    {
        if (p is not LogicalLimit { Count: { } count } limit || limit.Input is not LogicalSort { Limit: null } sort) return p;
        long keep = limit.Offset > long.MaxValue - count ? long.MaxValue : limit.Offset + count;
        var topN = sort with { Limit = keep };
        return limit.Offset == 0 ? topN : limit with { Input = topN };
    });
}
