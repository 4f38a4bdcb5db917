using System.Numerics;
using PgFusion.Planner.JoinOrder;

namespace PgFusion.Planner.Tests.JoinOrder;

/// <summary>
/// The test oracle: every bushy join tree without cross products, by brute force over all splits
/// of every relation set, written from the definitions and sharing no code with DPHyp's search.
/// The cost (C_out plus the probe term) is additive and the row estimate depends only on the set, so the cheapest tree over S is
/// the cheapest split of S into two cheapest subtrees; memoizing that minimum visits the same trees
/// as listing them one by one.
/// </summary>
internal sealed class ExhaustiveEnumerator(QueryGraph graph)
{
    private readonly Dictionary<ulong, double> _best = [];

    /// <summary>Optimal C_out over the whole graph, or +∞ when no valid tree exists.</summary>
    public double OptimalCost() => Best(graph.AllRelations.Bits);

    private double Best(ulong s)
    {
        if (BitOperations.PopCount(s) == 1)
            return 0;
        if (_best.TryGetValue(s, out var known))
            return known;
        var best = double.PositiveInfinity;
        // Every ordered split: orientation matters for non-commutative joins.
        for (var s1 = (s - 1) & s; s1 != 0; s1 = (s1 - 1) & s)
        {
            var s2 = s & ~s1;
            if (!CanJoin(graph, s1, s2))
                continue;
            var left = Best(s1);
            var right = Best(s2);
            if (double.IsInfinity(left) || double.IsInfinity(right))
                continue;
            var probe = HasHashKey(s1, s2) ? ProbeCost(Rows(s1), Rows(s2)) : Rows(s1) * Rows(s2);
            best = Math.Min(best, Rows(s) + probe + left + right);
        }
        _best[s] = best;
        return best;
    }

    /// <summary>The cost model's probe term, restated: the larger input times b / (b + K) of the smaller b.</summary>
    private static double ProbeCost(double a, double b)
    {
        var build = Math.Min(a, b);
        return Math.Max(a, b) * build / (build + CostModel.ProbeHalfCostBuildRows);
    }

    /// <summary>
    /// Whether the edges that become applicable joining the two sets include a hash key, or there
    /// are none; a join without one compares every pair, which the cost model charges as |L|·|R|.
    /// </summary>
    private bool HasHashKey(ulong s1, ulong s2)
    {
        var applied = graph.Edges.Where(e => e.Tes.IsSubsetOf(new RelSet(s1 | s2)) && !e.Tes.IsSubsetOf(new RelSet(s1)) && !e.Tes.IsSubsetOf(new RelSet(s2))).ToList();
        return applied.Count == 0 || applied.Any(e => e.HashKey);
    }

    private double Rows(ulong s) => CardinalityEstimator.EstimateRows(graph, new RelSet(s));

    /// <summary>
    /// <paramref name="left"/> op <paramref name="right"/> is allowed when an edge has one end in each
    /// input (no cross product) and every edge that becomes applicable here is applicable: conflict
    /// rules hold for the union; one non-inner operator at most, not mixed with inner predicates,
    /// with its left end inside the left input (either way round for commutative kinds).
    /// </summary>
    public static bool CanJoin(QueryGraph graph, ulong left, ulong right)
    {
        var s = left | right;
        var connecting = false;
        var inner = false;
        var outerOps = new HashSet<int>();
        foreach (var e in graph.Edges)
        {
            var tes = e.Tes.Bits;
            if ((tes & ~s) != 0 || (tes & ~left) == 0 || (tes & ~right) == 0)
                continue;
            var forward = e.Left.IsSubsetOf(new RelSet(left)) && e.Right.IsSubsetOf(new RelSet(right));
            var backward = e.Left.IsSubsetOf(new RelSet(right)) && e.Right.IsSubsetOf(new RelSet(left));
            connecting |= forward || backward;
            if (e.Rules.Any(r => r.Activation.Overlaps(new RelSet(s)) && !r.Required.IsSubsetOf(new RelSet(s))))
                return false;
            if (e.Kind == JoinKind.Inner)
            {
                inner = true;
                continue;
            }
            outerOps.Add(e.OperatorId);
            if (!(forward || (backward && e.Kind.IsCommutative())))
                return false;
        }
        return connecting && outerOps.Count <= 1 && !(inner && outerOps.Count == 1);
    }

    /// <summary>Unordered pairs of disjoint connected sets with an edge between them, by brute force.</summary>
    public static long CountCsgCmpPairs(QueryGraph graph)
    {
        var all = graph.AllRelations.Bits;
        var connected = new HashSet<ulong>();
        for (ulong s = 1; s <= all; s++)
        {
            if ((s & ~all) == 0 && IsConnected(graph, s))
                connected.Add(s);
        }
        long pairs = 0;
        foreach (var s1 in connected)
        {
            foreach (var s2 in connected)
            {
                if ((s1 & s2) == 0 && s1 < s2 && HasEdgeBetween(graph, s1, s2))
                    pairs++;
            }
        }
        return pairs;
    }

    private static bool IsConnected(QueryGraph graph, ulong s)
    {
        if (BitOperations.PopCount(s) == 1)
            return true;
        for (var s1 = (s - 1) & s; s1 != 0; s1 = (s1 - 1) & s)
        {
            var s2 = s & ~s1;
            if (s1 < s2 && HasEdgeBetween(graph, s1, s2) && IsConnected(graph, s1) && IsConnected(graph, s2))
                return true;
        }
        return false;
    }

    private static bool HasEdgeBetween(QueryGraph graph, ulong a, ulong b) =>
        graph.Edges.Any(e =>
            (e.Left.IsSubsetOf(new RelSet(a)) && e.Right.IsSubsetOf(new RelSet(b))) ||
            (e.Left.IsSubsetOf(new RelSet(b)) && e.Right.IsSubsetOf(new RelSet(a))));
}
