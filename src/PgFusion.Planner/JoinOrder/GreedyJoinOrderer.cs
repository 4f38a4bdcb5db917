using PgFusion.Planner.Physical;

namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// Greedy Operator Ordering (Fegaras 1998): repeatedly join the valid pair of partial plans with the
/// smallest result. O(n³) pair checks, so it stays fast where DPHyp's pair count explodes; not optimal.
/// It only joins pairs DPHyp could also join, so it never builds an invalid reordering; a graph of
/// inner joins that needs a cross product gets the smallest one.
/// </summary>
public static class GreedyJoinOrderer
{
    public static JoinOrderResult Solve(QueryGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var tree = Solve(new HypergraphIndex(graph), out var failure);
        return new JoinOrderResult(tree, tree is null ? JoinOrderMethod.None : JoinOrderMethod.Greedy, 0, failure ?? "greedy requested");
    }

    internal static JoinTree? Solve(HypergraphIndex index, out string? failure)
    {
        failure = null;
        if (index.RelationCount == 0)
        {
            failure = "the query graph has no relations";
            return null;
        }
        var parts = new List<JoinTree>();
        for (var r = 0; r < index.RelationCount; r++)
            parts.Add(JoinTreeBuilder.Leaf(index, r));

        while (parts.Count > 1)
        {
            int bestI = -1, bestJ = -1;
            JoinStep bestStep = default;
            var bestRows = double.PositiveInfinity;
            for (var i = 0; i < parts.Count; i++)
            {
                for (var j = i + 1; j < parts.Count; j++)
                {
                    if (index.TryJoin(parts[i].Relations.Bits, parts[j].Relations.Bits, out var step) != JoinCheck.Valid)
                        continue;
                    var rows = Estimates.Product(Estimates.Product(parts[i].EstimatedRows, parts[j].EstimatedRows), step.RowFactor);
                    if (rows < bestRows)
                        (bestRows, bestI, bestJ, bestStep) = (rows, i, j, step);
                }
            }
            if (bestI < 0)
            {
                if (!index.AllInner)
                {
                    failure = "no valid join between the remaining partial plans " + string.Join(", ", parts.Select(p => p.Relations));
                    return null;
                }
                (bestI, bestJ) = SmallestCrossProduct(parts);
                var cross = parts[bestI].Relations.Bits | parts[bestJ].Relations.Bits;
                bestStep = new JoinStep(parts[bestI].Relations.Bits, parts[bestJ].Relations.Bits, JoinKind.Inner, 1);
                bestRows = index.EstimateRows(cross);
            }
            var a = parts[bestI];
            var b = parts[bestJ];
            var (left, right) = bestStep.Left == a.Relations.Bits ? (a, b) : (b, a);
            var joined = JoinTreeBuilder.Join(index, left, right, bestStep.Kind, bestRows);
            parts.RemoveAt(bestJ);
            parts[bestI] = joined;
        }
        return parts[0];
    }

    private static (int, int) SmallestCrossProduct(List<JoinTree> parts)
    {
        (int, int) best = (0, 1);
        var bestRows = double.PositiveInfinity;
        for (var i = 0; i < parts.Count; i++)
        {
            for (var j = i + 1; j < parts.Count; j++)
            {
                var rows = parts[i].EstimatedRows * parts[j].EstimatedRows;
                if (rows < bestRows)
                    (bestRows, best) = (rows, (i, j));
            }
        }
        return best;
    }
}
