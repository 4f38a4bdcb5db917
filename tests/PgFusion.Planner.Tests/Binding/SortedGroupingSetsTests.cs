using PgFusion.Planner.Binding;
using Xunit;

namespace PgFusion.Planner.Tests.Binding;

/// <summary>
/// The sort PostgreSQL's first sorted grouping-sets phase reads its input in. Each expectation is
/// the top Sort Key of PostgreSQL 15's plan (EXPLAIN (COSTS OFF) SELECT string_agg(v, ',' ORDER BY v)
/// FROM gsx GROUP BY ..., a string_agg ORDER BY ruling out hashing), with a..e as sortgrouprefs 1..5.
/// The sets are given in expand_groupingset_node's order (a CUBE counts up its mask, first element
/// lowest), crossed item by item.
/// </summary>
public sealed class SortedGroupingSetsTests
{
    private static IReadOnlyList<int>[] Sets(params int[][] sets) => [.. sets];

    private static IReadOnlyList<int>[] Cube(params int[] items) =>
        [.. Enumerable.Range(0, 1 << items.Length).Select(mask => (IReadOnlyList<int>)[.. items.Where((_, i) => (mask & (1 << i)) != 0)])];

    private static IReadOnlyList<int>[] Rollup(params int[] items) =>
        [.. Enumerable.Range(0, items.Length + 1).Select(n => (IReadOnlyList<int>)[.. items.Take(items.Length - n)])];

    private static IReadOnlyList<int>[] Cross(IReadOnlyList<int>[] left, IReadOnlyList<int>[] right) =>
        [.. left.SelectMany(l => right.Select(r => (IReadOnlyList<int>)[.. l, .. r]))];

    private static void AssertOrder(int[] expected, IReadOnlyList<int>[] sets, bool distinct = false, int[]? orderBy = null) =>
        Assert.Equal(expected, SortedGroupingSets.FirstPhaseOrder(sets, distinct, orderBy ?? []));

    [Fact]
    public void Cube_of_two_sorts_by_both() => AssertOrder([1, 2], Cube(1, 2));

    [Fact]
    public void Cube_of_three_sorts_by_all_three() => AssertOrder([1, 2, 3], Cube(1, 2, 3));

    [Fact]
    public void Cube_of_four_follows_postgres_unstable_sort_of_the_sets() => AssertOrder([1, 3, 2], Cube(1, 2, 3, 4));

    [Fact]
    public void Rollup_sorts_by_its_items_in_order() => AssertOrder([1, 2, 3, 4, 5], Rollup(1, 2, 3, 4, 5));

    [Fact]
    public void Two_single_sets_sort_by_the_first() => AssertOrder([1], Sets([1], [2]));

    [Fact]
    public void The_smallest_set_chain_comes_first() => AssertOrder([2, 1], Sets([2], [1, 2], [1]));

    [Fact]
    public void A_smaller_later_set_starts_the_first_rollup() => AssertOrder([3], Sets([1, 2], [3]));

    [Fact]
    public void Two_rollups_crossed() => AssertOrder([1, 2, 3], Cross(Rollup(1, 2), Rollup(3)));

    [Fact]
    public void Matching_pairs_sets_as_postgres_does() => AssertOrder([1, 2], Sets([1, 2], [2, 3], [1], [3]));

    [Fact]
    public void A_column_crossed_with_a_cube() => AssertOrder([1, 2, 3], Cross(Sets([1]), Cube(2, 3)));

    [Fact]
    public void Seven_sets_are_sorted_by_quicksort() => AssertOrder([1, 3], Sets([3, 1], [1, 2], [1], [2], [3], [4], []));

    [Fact]
    public void Two_cubes_sharing_a_column() => AssertOrder([2, 3], Cross(Cube(1, 2), Cube(2, 3)));

    [Fact]
    public void Group_by_distinct_sorts_and_deduplicates_the_sets() => AssertOrder([1, 2, 3], Cross(Cube(1, 2), Cube(2, 3)), distinct: true);

    [Fact]
    public void One_rollup_follows_the_order_by_while_it_can()
    {
        AssertOrder([2, 1], Sets([1, 2], [2]), orderBy: [2, 1]);
        // the first set (a) diverges from ORDER BY b, a at once
        AssertOrder([1, 2], Sets([1, 2], [1]), orderBy: [2, 1]);
    }

    [Fact]
    public void Postgres_qsort_sorts_like_a_stable_sort_below_seven_elements()
    {
        var items = new List<(int Key, int Seq)> { (2, 0), (1, 1), (2, 2), (1, 3), (0, 4), (1, 5) };
        PostgresQsort.Sort(items, (a, b) => a.Key.CompareTo(b.Key));
        Assert.Equal(new[] { 4, 1, 3, 5, 0, 2 }, items.Select(i => i.Seq));
        var many = Enumerable.Range(0, 200).Select(i => (i * 7919) % 101).ToList();
        PostgresQsort.Sort(many, (a, b) => a.CompareTo(b));
        Assert.Equal(many.Order(), many);
    }
}
