using System.Numerics;
using System.Runtime.InteropServices;
using PgFusion.Planner.Physical;

namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// DPHyp (Moerkotte, Neumann: "Dynamic Programming Strikes Back", SIGMOD 2008): the cheapest bushy
/// join tree without cross products over a hypergraph, by enumerating each connected subgraph
/// (csg) and each connected complement (cmp) exactly once. Relations are visited in descending
/// index order; a csg grows only through its neighbourhood and never into relations ≤ its start
/// (the exclusion set X), which is what makes every pair unique. Each unordered csg-cmp pair is
/// emitted once, (S1, S2) with min(S1) &lt; min(S2). Above the pair budget it stops and
/// falls back to <see cref="GreedyJoinOrderer"/>.
/// </summary>
public sealed class PlanEnumerator
{
    private readonly HypergraphIndex _index;
    private readonly long _budget;
    private readonly Dictionary<ulong, DpEntry> _dp = [];
    private long _pairs;
    private bool _aborted;

    public PlanEnumerator(QueryGraph graph, JoinOrderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _index = new HypergraphIndex(graph);
        _budget = (options ?? JoinOrderOptions.Default).PairBudget;
    }

    public JoinOrderResult Solve()
    {
        var n = _index.RelationCount;
        if (n == 0)
            return new JoinOrderResult(null, JoinOrderMethod.None, 0, "the query graph has no relations");
        for (var r = 0; r < n; r++)
            _dp[1UL << r] = new DpEntry(0, 0, _index.BaseRows[r], 0, JoinKind.Inner);

        for (var v = n - 1; v >= 0 && !_aborted; v--)
        {
            var start = 1UL << v;
            EmitCsg(start);
            EnumerateCsgRec(start, RelSet.UpTo(v));
        }

        if (_aborted)
            return Fallback($"DPHyp pair budget of {_budget} csg-cmp pairs exceeded");
        if (!_dp.ContainsKey(_index.All))
            return Fallback("no join order without cross products exists over the query graph");
        return new JoinOrderResult(BuildTree(_index.All), JoinOrderMethod.DPHyp, _pairs, null);
    }

    private JoinOrderResult Fallback(string reason)
    {
        var greedy = GreedyJoinOrderer.Solve(_index, out var failure);
        return greedy is null
            ? new JoinOrderResult(null, JoinOrderMethod.None, _pairs, reason + "; greedy: " + failure)
            : new JoinOrderResult(greedy, JoinOrderMethod.Greedy, _pairs, reason);
    }

    private void EnumerateCsgRec(ulong s1, ulong x)
    {
        var n = _index.Neighbourhood(s1, x);
        if (n == 0)
            return;
        ulong sub = 0;
        while ((sub = RelSet.NextSubset(sub, n)) != 0)
        {
            if (_aborted)
                return;
            if (_dp.ContainsKey(s1 | sub))
                EmitCsg(s1 | sub);
        }
        var xn = x | n;
        sub = 0;
        while ((sub = RelSet.NextSubset(sub, n)) != 0 && !_aborted)
            EnumerateCsgRec(s1 | sub, xn);
    }

    private void EmitCsg(ulong s1)
    {
        // X = S1 ∪ B_min(S1): complements may only use relations above min(S1), so each pair comes once.
        var x = s1 | RelSet.UpTo(BitOperations.TrailingZeroCount(s1));
        var n = _index.Neighbourhood(s1, x);
        while (n != 0 && !_aborted)
        {
            var v = 63 - BitOperations.LeadingZeroCount(n);
            var s2 = 1UL << v;
            EmitCsgCmp(s1, s2);
            // Complements grown from v must not contain neighbours below v: those start their own.
            EnumerateCmpRec(s1, s2, x | (n & RelSet.UpTo(v)));
            n &= ~s2;
        }
    }

    private void EnumerateCmpRec(ulong s1, ulong s2, ulong x)
    {
        var n = _index.Neighbourhood(s2, x);
        if (n == 0)
            return;
        ulong sub = 0;
        while ((sub = RelSet.NextSubset(sub, n)) != 0)
        {
            if (_aborted)
                return;
            if (_dp.ContainsKey(s2 | sub))
                EmitCsgCmp(s1, s2 | sub);
        }
        var xn = x | n;
        sub = 0;
        while ((sub = RelSet.NextSubset(sub, n)) != 0 && !_aborted)
            EnumerateCmpRec(s1, s2 | sub, xn);
    }

    private void EmitCsgCmp(ulong s1, ulong s2)
    {
        var check = _index.TryJoin(s1, s2, out var step);
        if (check == JoinCheck.NotConnected)
            return;
        if (++_pairs > _budget)
        {
            _aborted = true;
            return;
        }
        if (check != JoinCheck.Valid)
            return;
        var left = _dp[s1];
        var right = _dp[s2];
        var rows = Estimates.Product(Estimates.Product(left.Rows, right.Rows), step.RowFactor);
        var cost = CostModel.JoinCost(rows, left.Rows, right.Rows, left.Cost, right.Cost, step.HashKey);
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_dp, s1 | s2, out var exists);
        if (!exists || cost < entry.Cost)
            entry = new DpEntry(step.Left, step.Right, rows, cost, step.Kind);
    }

    private JoinTree BuildTree(ulong set)
    {
        var entry = _dp[set];
        if (entry.Left == 0)
            return JoinTreeBuilder.Leaf(_index, BitOperations.TrailingZeroCount(set));
        return JoinTreeBuilder.Join(_index, BuildTree(entry.Left), BuildTree(entry.Right), entry.Kind, entry.Rows);
    }

    /// <summary>Best plan found so far for one relation set; Left/Right are its oriented inputs (0 for a base relation).</summary>
    private readonly record struct DpEntry(ulong Left, ulong Right, double Rows, double Cost, JoinKind Kind);
}
