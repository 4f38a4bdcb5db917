using FsCheck;
using FsCheck.Fluent;
using PgFusion.Planner.JoinOrder;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Planner.Tests.JoinOrder;

/// <summary>
/// Properties over random graphs and written trees. Each case is generated from one integer seed,
/// which FsCheck prints as the counterexample on failure (the "Original" value); the run's own
/// FsCheck seed is in the same message, and the test output lists the seeds of the first cases.
/// </summary>
public class JoinOrderPropertyTests(ITestOutputHelper output)
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300);
    private static Arbitrary<int> Seeds => Arb.From(Gen.Choose(0, int.MaxValue));

    [Fact]
    public void DPHyp_cost_equals_the_exhaustive_optimum_on_random_inner_hypergraphs()
    {
        var shown = 0;
        Check.One(Runs, Prop.ForAll(Seeds, seed =>
        {
            if (shown++ < 5)
                output.WriteLine($"seed {seed}");
            var g = RandomQueries.InnerHypergraph(seed, maxRelations: 10);
            return SameCostAsExhaustive(g, seed);
        }));
    }

    [Fact]
    public void DPHyp_cost_equals_the_exhaustive_optimum_over_outer_semi_and_anti_joins()
    {
        Check.One(Runs, Prop.ForAll(Seeds, seed =>
            SameCostAsExhaustive(RandomQueries.OperatorTree(seed, maxRelations: 9).Graph, seed)));
    }

    [Fact]
    public void Chosen_plans_have_no_cross_product_the_graph_does_not_have()
    {
        Check.One(Runs, Prop.ForAll(Seeds, seed =>
        {
            var g = seed % 2 == 0 ? RandomQueries.InnerHypergraph(seed, 10) : RandomQueries.OperatorTree(seed, 9).Graph;
            var result = new PlanEnumerator(g).Solve();
            if (result.Method != JoinOrderMethod.DPHyp)
                return true; // a hypergraph that needs a cross product (see the exhaustive test)
            foreach (var join in result.Tree!.Joins())
            {
                var l = join.Left.Relations;
                var r = join.Right.Relations;
                // A written cross join: no edge reads both sides, so the graph itself has the cross product.
                if (join.IsCrossProduct && !g.Edges.Any(e => e.Tes.Overlaps(l) && e.Tes.Overlaps(r)))
                    continue;
                var connected = join.Edges.Any(e => (e.Left.IsSubsetOf(l) && e.Right.IsSubsetOf(r)) || (e.Left.IsSubsetOf(r) && e.Right.IsSubsetOf(l)));
                if (!connected)
                    throw new InvalidOperationException($"seed {seed}: {result.Tree.Format()} joins {l} and {r} without an edge");
            }
            return true;
        }));
    }

    /// <summary>
    /// The strongest check of the conflict detector: the plan DPHyp picks (and the greedy fallback's)
    /// returns exactly the rows of the tree as written, on many random tiny databases.
    /// </summary>
    [Fact]
    public void Reordered_plans_return_the_same_rows_as_the_written_tree()
    {
        Check.One(Runs, Prop.ForAll(Seeds, ReorderingKeepsRows));
    }

    /// <summary>Seeds that once failed: ((R0 ⟗ R2) ⟕ R1) reordered to ((R0 ⟕ R1) ⟗ R2) under a left-join predicate not strict on R0.</summary>
    [Theory]
    [InlineData(1790294002)]
    public void Reordered_plans_of_past_failures_return_the_same_rows(int seed) => Assert.True(ReorderingKeepsRows(seed));

    private static bool ReorderingKeepsRows(int seed)
    {
        {
            var query = RandomQueries.OperatorTree(seed, maxRelations: 7);
            var dp = new PlanEnumerator(query.Graph).Solve();
            var greedy = GreedyJoinOrderer.Solve(query.Graph);
            if (dp.Tree is null)
                throw new InvalidOperationException($"{query}: no plan ({dp.FallbackReason})");
            var rnd = new Random(seed);
            for (var i = 0; i < 20; i++)
            {
                var data = RandomQueries.Data(rnd, query.Graph.RelationCount);
                var expected = TreeSemantics.Run(query.Tree, data);
                Assert.True(expected.SequenceEqual(TreeSemantics.Run(dp.Tree, data)), $"{query}: DPHyp plan {dp.Tree.Format()} differs");
                if (greedy.Tree is not null)
                    Assert.True(expected.SequenceEqual(TreeSemantics.Run(greedy.Tree, data)), $"{query}: greedy plan {greedy.Tree.Format()} differs");
            }
            return true;
        }
    }

    private static bool SameCostAsExhaustive(QueryGraph g, int seed)
    {
        if (IsDisconnected(g))
            return true; // written cross joins: the exhaustive oracle enumerates cross-product-free trees only
        var optimum = new ExhaustiveEnumerator(g).OptimalCost();
        var result = new PlanEnumerator(g, new JoinOrderOptions { PairBudget = long.MaxValue }).Solve();
        if (double.IsPositiveInfinity(optimum))
        {
            if (result.Method == JoinOrderMethod.DPHyp)
                throw new InvalidOperationException($"seed {seed}: exhaustive finds no plan, DPHyp found {result.Tree!.Format()}");
            return true;
        }
        if (result.Method != JoinOrderMethod.DPHyp)
            throw new InvalidOperationException($"seed {seed}: exhaustive optimum {optimum} but DPHyp fell back: {result.FallbackReason}");
        var cost = result.Tree!.Cost;
        if (Math.Abs(cost - optimum) > 1e-9 * Math.Max(1, Math.Abs(optimum)))
            throw new InvalidOperationException($"seed {seed}: DPHyp cost {cost} ({result.Tree.Format()}) != optimum {optimum}");
        return true;
    }

    private static bool IsDisconnected(QueryGraph g)
    {
        var reached = RelSet.Single(0);
        bool grew;
        do
        {
            grew = false;
            foreach (var e in g.Edges)
            {
                if (e.Tes.Overlaps(reached) && !e.Tes.IsSubsetOf(reached))
                {
                    reached |= e.Tes;
                    grew = true;
                }
            }
        } while (grew);
        return reached != g.AllRelations;
    }
}
