using PgFusion.Planner.JoinOrder;
using Xunit;

namespace PgFusion.Planner.Tests.JoinOrder;

/// <summary>
/// The full set of join trees the conflict-detected graph admits, against the reorderings the
/// outer/semi/anti join algebra allows. Trees print with A, B, C, D for relations 0..3; children of
/// commutative joins are listed in a canonical order.
/// </summary>
public class ConflictDetectorTests
{
    private const int A = 0, B = 1, C = 2;

    [Fact]
    public void Left_join_over_an_inner_join_is_not_split()
    {
        // A ⟕ab (B ⋈bc C) must never become (A ⟕ B) ⋈ C: that would drop A rows whose B has no C.
        var tree = Join(JoinKind.LeftOuter, Leaf(A), Join(JoinKind.Inner, Leaf(B), Leaf(C), Eq(B, C)), Eq(A, B));
        Assert.Equal(["(A ⟕ (B ⋈ C))"], AllowedTrees(tree));
    }

    [Fact]
    public void Inner_join_on_a_c_above_a_left_join_may_move_below_it()
    {
        // (A ⟕ab B) ⋈ac C ≡ (A ⋈ac C) ⟕ab B (l-asscom), but never A ⟕ (B ⋈ C).
        var tree = Join(JoinKind.Inner, Join(JoinKind.LeftOuter, Leaf(A), Leaf(B), Eq(A, B)), Leaf(C), Eq(A, C));
        Assert.Equal(["((A ⋈ C) ⟕ B)", "((A ⟕ B) ⋈ C)"], AllowedTrees(tree));
    }

    [Fact]
    public void Inner_join_reading_the_null_supplied_side_stays_above_the_left_join()
    {
        var tree = Join(JoinKind.Inner, Join(JoinKind.LeftOuter, Leaf(A), Leaf(B), Eq(A, B)), Leaf(C), Eq(B, C));
        Assert.Equal(["((A ⟕ B) ⋈ C)"], AllowedTrees(tree));
    }

    [Fact]
    public void Left_join_below_an_inner_join_may_be_pulled_up()
    {
        // A ⋈ab (B ⟕bc C) ≡ (A ⋈ab B) ⟕bc C (assoc(⋈, ⟕)).
        var tree = Join(JoinKind.Inner, Leaf(A), Join(JoinKind.LeftOuter, Leaf(B), Leaf(C), Eq(B, C)), Eq(A, B));
        Assert.Equal(["((A ⋈ B) ⟕ C)", "((B ⟕ C) ⋈ A)"], AllowedTrees(tree));
    }

    [Fact]
    public void Left_join_chain_reassociates_only_under_null_rejection()
    {
        var strict = Join(JoinKind.LeftOuter, Join(JoinKind.LeftOuter, Leaf(A), Leaf(B), Eq(A, B)), Leaf(C), Eq(B, C));
        Assert.Equal(["((A ⟕ B) ⟕ C)", "(A ⟕ (B ⟕ C))"], AllowedTrees(strict));

        var lax = Join(JoinKind.LeftOuter, Join(JoinKind.LeftOuter, Leaf(A), Leaf(B), Eq(A, B)), Leaf(C), NotNullRejecting(B, C));
        Assert.Equal(["((A ⟕ B) ⟕ C)"], AllowedTrees(lax));
    }

    [Fact]
    public void Semi_join_commutes_with_an_inner_join_on_its_left_input()
    {
        var tree = Join(JoinKind.Inner, Join(JoinKind.Semi, Leaf(A), Leaf(B), Eq(A, B)), Leaf(C), Eq(A, C));
        Assert.Equal(["((A ⋈ C) ⋉ B)", "((A ⋉ B) ⋈ C)"], AllowedTrees(tree));
    }

    [Fact]
    public void Anti_join_keeps_its_inner_input_whole()
    {
        var tree = Join(JoinKind.Anti, Leaf(A), Join(JoinKind.Inner, Leaf(B), Leaf(C), Eq(B, C)), Eq(A, B));
        Assert.Equal(["(A ▷ (B ⋈ C))"], AllowedTrees(tree));
    }

    [Fact]
    public void Full_outer_join_does_not_commute_with_an_inner_join_above()
    {
        var tree = Join(JoinKind.Inner, Join(JoinKind.FullOuter, Leaf(A), Leaf(B), Eq(A, B)), Leaf(C), Eq(A, C));
        Assert.Equal(["((A ⟗ B) ⋈ C)"], AllowedTrees(tree));
    }

    [Fact]
    public void Enumerator_picks_the_valid_plan_even_when_the_invalid_one_is_cheaper()
    {
        // B ⋈ C is tiny and A huge: (A ⟕ B) ⋈ C would be cheaper, and is wrong.
        var tree = Join(JoinKind.LeftOuter, Leaf(A), Join(JoinKind.Inner, Leaf(B), Leaf(C), Eq(B, C, 1e-6)), Eq(A, B));
        var graph = ConflictDetector.BuildGraph([1_000_000, 1000, 1000], tree);
        var result = new PlanEnumerator(graph).Solve();
        Assert.Equal("(A ⟕ (B ⋈ C))", Canonical(result.Tree!));
    }

    private static List<string> AllowedTrees(JoinOperatorTree tree)
    {
        var graph = ConflictDetector.BuildGraph([100, 200, 300, 400], tree);
        return [.. Trees(graph, tree.Relations.Bits).Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>Every tree over <paramref name="set"/> whose every join the graph allows.</summary>
    private static IEnumerable<string> Trees(QueryGraph graph, ulong set)
    {
        if (System.Numerics.BitOperations.PopCount(set) == 1)
        {
            yield return Name(System.Numerics.BitOperations.TrailingZeroCount(set));
            yield break;
        }
        for (var s1 = (set - 1) & set; s1 != 0; s1 = (s1 - 1) & set)
        {
            var s2 = set & ~s1;
            if (!ExhaustiveEnumerator.CanJoin(graph, s1, s2))
                continue;
            var kind = graph.Edges.First(e => (e.Tes.Bits & ~set) == 0 && (e.Tes.Bits & ~s1) != 0 && (e.Tes.Bits & ~s2) != 0).Kind;
            foreach (var l in Trees(graph, s1))
            {
                foreach (var r in Trees(graph, s2))
                    yield return Node(kind, l, r);
            }
        }
    }

    private static string Canonical(JoinTree tree) => tree switch
    {
        JoinTreeLeaf leaf => Name(leaf.RelIndex),
        JoinTreeNode n => Node(n.Kind, Canonical(n.Left), Canonical(n.Right)),
        _ => "?",
    };

    private static string Node(JoinKind kind, string l, string r)
    {
        if (kind.IsCommutative() && string.CompareOrdinal(l, r) > 0)
            (l, r) = (r, l);
        var symbol = kind switch
        {
            JoinKind.Inner => "⋈",
            JoinKind.LeftOuter => "⟕",
            JoinKind.FullOuter => "⟗",
            JoinKind.Semi => "⋉",
            _ => "▷",
        };
        return $"({l} {symbol} {r})";
    }

    private static string Name(int r) => ((char)('A' + r)).ToString();

    private static JoinOperatorLeaf Leaf(int r) => new(r);

    private static JoinOperator Join(JoinKind kind, JoinOperatorTree l, JoinOperatorTree r, JoinPredicate p) => new(kind, l, r, [p]);

    private static JoinPredicate Eq(int a, int b, double sel = 0.01) => JoinPredicate.Strict(RelSet.Of(a, b), sel, $"{Name(a)}={Name(b)}");

    private static JoinPredicate NotNullRejecting(int a, int b) => new(RelSet.Of(a, b), 0.01, $"{Name(a)}={Name(b)} OR {Name(b)} IS NULL", RelSet.Empty);
}
