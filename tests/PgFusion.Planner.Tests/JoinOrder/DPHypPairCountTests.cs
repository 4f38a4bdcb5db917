using PgFusion.Planner.JoinOrder;
using Xunit;

namespace PgFusion.Planner.Tests.JoinOrder;

/// <summary>
/// DPHyp emits every csg-cmp pair exactly once. Convention: a pair is unordered — DPHyp emits
/// (S1, S2) with min(S1) &lt; min(S2) and never (S2, S1) — so the counts are half of #ccp in
/// Moerkotte and Neumann's tables, which count both orders: chain (n³−n)/6, star (n−1)·2^(n−2),
/// cycle (n³−2n²+n)/2, clique (3^n−2^(n+1)+1)/2. (The cycle formula n³−2n²+n without the halving
/// is the ordered count: for n = 3 the cycle is the 3-clique, which has 6 unordered pairs, not 12.)
/// </summary>
public class DPHypPairCountTests
{
    public static TheoryData<int> Sizes() => [.. Enumerable.Range(2, 13)];

    [Theory, MemberData(nameof(Sizes))]
    public void Chain_emits_n3_minus_n_over_6_pairs(int n) =>
        Assert.Equal(((long)n * n * n - n) / 6, Solve(GraphShapes.Chain(n)).EmittedPairs);

    [Theory, MemberData(nameof(Sizes))]
    public void Star_emits_n_minus_1_times_2_pow_n_minus_2_pairs(int n) =>
        Assert.Equal((n - 1) * (1L << (n - 2)), Solve(GraphShapes.Star(n)).EmittedPairs);

    [Theory, MemberData(nameof(Sizes))]
    public void Cycle_emits_half_of_n3_minus_2n2_plus_n_pairs(int n)
    {
        // Two relations make one edge, not a cycle: that is the 2-chain.
        var expected = n == 2 ? 1 : ((long)n * n * n - 2L * n * n + n) / 2;
        Assert.Equal(expected, Solve(GraphShapes.Cycle(n)).EmittedPairs);
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Clique_emits_3n_minus_2n1_plus_1_over_2_pairs(int n)
    {
        var expected = ((long)Math.Pow(3, n) - (1L << (n + 1)) + 1) / 2;
        Assert.Equal(expected, Solve(GraphShapes.Clique(n)).EmittedPairs);
    }

    [Theory]
    [InlineData("chain", 7)]
    [InlineData("star", 7)]
    [InlineData("cycle", 7)]
    [InlineData("clique", 6)]
    public void Pair_count_matches_brute_force_count(string shape, int n)
    {
        var g = shape switch
        {
            "chain" => GraphShapes.Chain(n),
            "star" => GraphShapes.Star(n),
            "cycle" => GraphShapes.Cycle(n),
            _ => GraphShapes.Clique(n),
        };
        Assert.Equal(ExhaustiveEnumerator.CountCsgCmpPairs(g), Solve(g).EmittedPairs);
    }

    [Fact]
    public void Solving_one_relation_gives_the_leaf()
    {
        var g = new QueryGraph();
        g.AddRelation(42);
        var result = Solve(g);
        Assert.Equal(new JoinTreeLeaf(0, 42), result.Tree);
        Assert.Equal(0, result.EmittedPairs);
    }

    private static JoinOrderResult Solve(QueryGraph g)
    {
        var result = new PlanEnumerator(g, new JoinOrderOptions { PairBudget = long.MaxValue }).Solve();
        Assert.Equal(JoinOrderMethod.DPHyp, result.Method);
        Assert.Equal(g.AllRelations, result.Tree!.Relations);
        return result;
    }
}
