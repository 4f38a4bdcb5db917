using PgFusion.Planner.JoinOrder;
using PgFusion.Planner.Physical;
using Xunit;

namespace PgFusion.Planner.Tests.JoinOrder;

public class EstimationAndFallbackTests
{
    [Fact]
    public void Equi_join_selectivity_is_one_over_the_larger_distinct_count_scaled_by_non_nulls()
    {
        var sel = CardinalityEstimator.EquiJoinSelectivity(new ColumnStatistics(100, 0.5), new ColumnStatistics(400, 0));
        Assert.Equal(0.5 / 400, sel, 12);
    }

    [Fact]
    public void Negative_stadistinct_is_a_fraction_of_reltuples()
    {
        Assert.Equal(5000, ColumnStatistics.FromPgStatistic(-0.5, 0, 10_000).DistinctValues);
        Assert.Equal(42, ColumnStatistics.FromPgStatistic(42, 0, 10_000).DistinctValues);
        Assert.Equal(ColumnStatistics.DefaultDistinctValues, ColumnStatistics.FromPgStatistic(0, 0, 10_000).DistinctValues);
    }

    [Theory]
    [InlineData(1000, 10, 0.0001)]
    [InlineData(1000, 10_000, 0.01)]
    [InlineData(5, 5, 1)]
    public void Outer_semi_and_anti_estimates_respect_their_bounds(double l, double r, double sel)
    {
        var inner = CardinalityEstimator.JoinRows(JoinKind.Inner, l, r, sel);
        Assert.Equal(l * r * sel, inner, 9);
        Assert.True(CardinalityEstimator.JoinRows(JoinKind.LeftOuter, l, r, sel) >= Math.Max(l, inner));
        Assert.True(CardinalityEstimator.JoinRows(JoinKind.FullOuter, l, r, sel) >= Math.Max(Math.Max(l, r), inner));
        var semi = CardinalityEstimator.JoinRows(JoinKind.Semi, l, r, sel);
        var anti = CardinalityEstimator.JoinRows(JoinKind.Anti, l, r, sel);
        Assert.True(semi <= l);
        Assert.True(anti <= l && anti >= 1);
    }

    [Fact]
    public void Several_edges_between_the_same_inputs_multiply()
    {
        var g = new QueryGraph();
        g.AddRelation(1000);
        g.AddRelation(2000);
        g.AddEdge(RelSet.Single(0), RelSet.Single(1), JoinKind.Inner, 0.01, "a");
        g.AddEdge(RelSet.Single(0), RelSet.Single(1), JoinKind.Inner, 0.1, "b");
        var tree = Assert.IsType<JoinTreeNode>(new PlanEnumerator(g).Solve().Tree);
        Assert.Equal(1000 * 2000 * 0.01 * 0.1, tree.EstimatedRows, 6);
        Assert.Equal(2, tree.Edges.Count);
        Assert.Equal(JoinBuildSide.Left, tree.BuildSide);
    }

    [Fact]
    public void Pair_budget_switches_to_greedy_and_says_so()
    {
        var g = GraphShapes.Clique(10);
        var result = new PlanEnumerator(g, new JoinOrderOptions { PairBudget = 1000 }).Solve();
        Assert.Equal(JoinOrderMethod.Greedy, result.Method);
        Assert.Contains("budget", result.FallbackReason);
        Assert.Equal(g.AllRelations, result.Tree!.Relations);
        Assert.All(result.Tree.Joins(), j => Assert.False(j.IsCrossProduct));
        var exact = new PlanEnumerator(g).Solve();
        Assert.Equal(JoinOrderMethod.DPHyp, exact.Method);
        Assert.True(exact.Tree!.Cost <= result.Tree.Cost * (1 + 1e-12));
    }

    [Fact]
    public void Disconnected_inner_graph_crosses_whole_components_last()
    {
        var g = new QueryGraph();
        for (var i = 0; i < 4; i++)
            g.AddRelation(100 * (i + 1));
        g.AddEdge(RelSet.Single(0), RelSet.Single(1), JoinKind.Inner, 0.01);
        g.AddEdge(RelSet.Single(2), RelSet.Single(3), JoinKind.Inner, 0.01);
        var result = new PlanEnumerator(g).Solve();
        Assert.Equal(JoinOrderMethod.DPHyp, result.Method);
        var top = Assert.IsType<JoinTreeNode>(result.Tree);
        Assert.True(top.IsCrossProduct);
        Assert.Equal([RelSet.Of(0, 1), RelSet.Of(2, 3)], new[] { top.Left.Relations, top.Right.Relations }.Order());
    }

    [Fact]
    public void Hyperedge_is_applied_when_all_its_relations_are_present()
    {
        // a.x + b.y = c.z: one hyperedge {A,B}-{C}; A and B are joined by their own edge first.
        var g = new QueryGraph();
        g.AddRelation(10);
        g.AddRelation(20);
        g.AddRelation(30);
        g.AddEdge(RelSet.Single(0), RelSet.Single(1), JoinKind.Inner, 0.1, "a=b");
        g.AddEdge(RelSet.Of(0, 1), RelSet.Single(2), JoinKind.Inner, 0.05, "a+b=c");
        var result = new PlanEnumerator(g).Solve();
        Assert.Equal("((R0 ⋈ R1) ⋈ R2)", result.Tree!.Format());
        Assert.Equal(2, result.EmittedPairs);
    }

    /// <summary>
    /// Products of base rows and join factors are clamped as Estimates clamps every row estimate:
    /// unclamped, three relations of 1e300 rows multiply to Infinity, a zero-selectivity edge then
    /// makes the set's estimate Infinity * 0 = NaN, and an outer join's factor Infinity / Infinity.
    /// </summary>
    [Fact]
    public void Join_estimates_of_huge_relations_stay_finite()
    {
        var g = new QueryGraph();
        for (var i = 0; i < 3; i++)
            g.AddRelation(1e300);
        g.AddEdge(RelSet.Single(0), RelSet.Single(1), JoinKind.Inner, 0, "a=b");
        g.AddEdge(RelSet.Single(1), RelSet.Single(2), JoinKind.Inner, 0.5, "b=c");
        foreach (var set in new[] { RelSet.Of(0, 1), RelSet.Of(1, 2), g.AllRelations })
        {
            var rows = CardinalityEstimator.EstimateRows(g, set);
            Assert.True(double.IsFinite(rows), $"{set}: {rows}");
            Assert.InRange(rows, 0, Estimates.MaximumRows);
        }
        // the base rows clamp to MaximumRows, their product too, before the edge's selectivity applies
        Assert.Equal(Estimates.MaximumRows * 0.5, CardinalityEstimator.EstimateRows(g, RelSet.Of(1, 2)));
        var result = new PlanEnumerator(g).Solve();
        Assert.Equal(g.AllRelations, result.Tree!.Relations);
        Assert.All(result.Tree.Joins(), j => Assert.True(double.IsFinite(j.EstimatedRows) && double.IsFinite(j.Cost), $"{j.Format()}: {j.EstimatedRows} rows, cost {j.Cost}"));

        var outer = new QueryGraph();
        outer.AddRelation(1e300);
        outer.AddRelation(1e300);
        outer.AddEdge(RelSet.Single(0), RelSet.Single(1), JoinKind.LeftOuter, 1e-10, "a=b");
        var both = CardinalityEstimator.EstimateRows(outer, outer.AllRelations);
        Assert.True(double.IsFinite(both) && both > 0, $"{both}");
        Assert.NotNull(new PlanEnumerator(outer).Solve().Tree);
    }

    /// <summary>
    /// Seed 479 case 1370: a ⋈ b and a ⋈ c on equalities, b ⋈ c on a keyless qual estimated to keep
    /// almost nothing. Costed like a hash join, b ⋈ c came first and its qual ran on every pair of
    /// b and c; a keyless join compares every pair, so its cost counts them and the equi-joins win.
    /// </summary>
    [Fact]
    public void A_keyless_join_costs_every_pair_of_its_inputs()
    {
        var g = new QueryGraph();
        var a = g.AddRelation(1000);
        var b = g.AddRelation(1000);
        var c = g.AddRelation(1000);
        g.AddEdge(RelSet.Single(a), RelSet.Single(b), JoinKind.Inner, 0.005, "a=b");
        g.AddEdge(RelSet.Single(a), RelSet.Single(c), JoinKind.Inner, 0.005, "a=c");
        g.AddEdge(RelSet.Single(b), RelSet.Single(c), JoinKind.Inner, 1e-6, "b*c>k", hashKey: false);
        var tree = Assert.IsType<JoinTreeNode>(new PlanEnumerator(g).Solve().Tree);
        Assert.DoesNotContain(tree.Joins(), j => j.Relations == RelSet.Of(b, c));

        var keyed = new QueryGraph();
        foreach (var _ in new[] { a, b, c }) keyed.AddRelation(1000);
        keyed.AddEdge(RelSet.Single(a), RelSet.Single(b), JoinKind.Inner, 0.005, "a=b");
        keyed.AddEdge(RelSet.Single(a), RelSet.Single(c), JoinKind.Inner, 0.005, "a=c");
        keyed.AddEdge(RelSet.Single(b), RelSet.Single(c), JoinKind.Inner, 1e-6, "b=c");
        var keyedTree = Assert.IsType<JoinTreeNode>(new PlanEnumerator(keyed).Solve().Tree);
        Assert.Contains(keyedTree.Joins(), j => j.Relations == RelSet.Of(b, c)); // the same estimates with a key: b ⋈ c first
        Assert.Equal(CostModel.PairCost(1000, 1000), CostModel.JoinCost(0, 1000, 1000, 0, 0, hashKey: false));
    }
}
