namespace PgFusion.Planner.Binding;

/// <summary>
/// How PostgreSQL 15 splits sorted grouping sets into rollups (planner.c preprocess_grouping_sets),
/// to tell the sort its first phase reads the input in. A sorted Agg with grouping sets computes
/// one rollup (a chain of sets, each a prefix of the next) per phase: the top GroupAggregate sorts
/// the input for the first rollup and evaluates every aggregate argument in that order while it
/// feeds the chained sorts of the other rollups; the argument error PostgreSQL raises is the one of
/// the row that sorts first in the first phase (SortedGroupingErrors). The steps, each as
/// PostgreSQL takes them:
/// <list type="number">
/// <item>expand_grouping_sets: each GROUP BY item expanded (a CUBE by counting up its bit mask, a
/// ROLLUP from the whole list down to the empty set), the items' expansions crossed with
/// duplicate elements dropped; then the sets sorted by length by PostgreSQL's qsort, which
/// is not stable (<see cref="PostgresQsort"/>; with GROUP BY DISTINCT: each set's
/// elements sorted, the sets by length and contents, duplicates dropped).</item>
/// <item>extract_rollup_sets: the fewest chains covering the sets, as a maximum matching of
/// "is a subset of" between distinct sets (Hopcroft-Karp, lib/bipartite.c); chains are numbered
/// in set order, so the first rollup is the chain of the smallest non-empty set.</item>
/// <item>reorder_grouping_sets: the chain's sets grown from the smallest, each adding its new
/// elements in its own order (following the ORDER BY while it can, when there is one chain).
/// The largest set's element order is the sort order.</item>
/// </list>
/// </summary>
internal static class SortedGroupingSets
{
    /// <summary>
    /// The sortgrouprefs of the first phase's sort, in order (empty when the first rollup holds
    /// only empty sets: no sort).
    /// </summary>
    /// <param name="expanded">The grouping sets in expand_grouping_sets' order before its sort.</param>
    /// <param name="groupDistinct">GROUP BY DISTINCT.</param>
    /// <param name="sortClause">The ORDER BY's sortgrouprefs (0 for an item that is no GROUP BY item).</param>
    public static List<int> FirstPhaseOrder(IReadOnlyList<IReadOnlyList<int>> expanded, bool groupDistinct, IReadOnlyList<int> sortClause) =>
        Phases(expanded, groupDistinct, sortClause)[0].Order;

    /// <summary>
    /// Every phase, first first: the sortgrouprefs of its sort and its grouping sets. A phase's
    /// sets are fed its rows in its sort's order (the first phase's from the Sort below the Agg,
    /// the others' from their chained sorts), which is the order their transition functions see.
    /// </summary>
    public static List<(List<int> Order, List<List<int>> Sets)> Phases(IReadOnlyList<IReadOnlyList<int>> expanded, bool groupDistinct, IReadOnlyList<int> sortClause)
    {
        var sets = SortByLength(expanded, groupDistinct);
        var chains = ExtractRollupSets(sets);
        return [.. chains.Select(chain => (ReorderGroupingSets(chain, chains.Count == 1 ? sortClause : []), chain))];
    }

    /// <summary>The sets as expand_grouping_sets returns them, sorted by PostgreSQL's (unstable) qsort.</summary>
    private static List<List<int>> SortByLength(IReadOnlyList<IReadOnlyList<int>> expanded, bool groupDistinct)
    {
        var sets = expanded.Select(s => s.Distinct().ToList()).ToList();
        if (groupDistinct && sets.Count >= 2)
        {
            foreach (var s in sets) s.Sort();
            PostgresQsort.Sort(sets, CompareLengthAndContents);
            return [.. sets.Where((s, i) => i == 0 || CompareLengthAndContents(sets[i - 1], s) != 0)];
        }
        PostgresQsort.Sort(sets, (a, b) => a.Count.CompareTo(b.Count));
        return sets;
    }

    private static int CompareLengthAndContents(List<int> a, List<int> b)
    {
        if (a.Count != b.Count) return a.Count.CompareTo(b.Count);
        for (int i = 0; i < a.Count; i++)
            if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        return 0;
    }

    /// <summary>extract_rollup_sets: the sets (sorted by length) grouped into chains, first chain first.</summary>
    private static List<List<List<int>>> ExtractRollupSets(List<List<int>> sets)
    {
        int empty = sets.TakeWhile(s => s.Count == 0).Count();
        if (empty == sets.Count) return [sets];
        // distinct sets numbered from 1 (0 is the matching's "unmatched"), with the sets equal to each
        var originals = new List<List<List<int>>> { new() };
        var masks = new List<HashSet<int>> { new() };
        var adjacency = new List<int[]> { Array.Empty<int>() };
        int sizeStart = 1, size = -1;
        foreach (var candidate in sets.Skip(empty))
        {
            var mask = candidate.ToHashSet();
            int duplicateOf = 0;
            if (candidate.Count == size)
            {
                for (int k = sizeStart; k < masks.Count && duplicateOf == 0; k++)
                    if (masks[k].SetEquals(mask)) duplicateOf = k;
            }
            else if (candidate.Count > size)
            {
                size = candidate.Count;
                sizeStart = masks.Count;
            }
            if (duplicateOf > 0)
            {
                originals[duplicateOf].Add(candidate);
                continue;
            }
            // the smaller sets it contains, from the largest index down (equal sizes are not compared)
            var subsets = new List<int>();
            for (int k = sizeStart - 1; k > 0; k--)
                if (masks[k].IsSubsetOf(mask)) subsets.Add(k);
            originals.Add([candidate]);
            masks.Add(mask);
            adjacency.Add([.. subsets]);
        }
        int n = masks.Count - 1;
        var (pairUv, pairVu) = BipartiteMatching.Match(n, adjacency);
        var chainOf = new int[n + 1];
        int chains = 0;
        for (int i = 1; i <= n; i++)
        {
            int u = pairVu[i], v = pairUv[i];
            chainOf[i] = u > 0 && u < i ? chainOf[u] : v > 0 && v < i ? chainOf[v] : ++chains;
        }
        var result = Enumerable.Range(0, chains).Select(_ => new List<List<int>>()).ToList();
        for (int i = 1; i <= n; i++) result[chainOf[i] - 1].AddRange(originals[i]);
        for (int e = 0; e < empty; e++) result[0].Insert(0, []);
        return result;
    }

    /// <summary>reorder_grouping_sets: the largest set's elements in the order the chain's sets add them.</summary>
    private static List<int> ReorderGroupingSets(List<List<int>> chain, IReadOnlyList<int> sortClause)
    {
        var previous = new List<int>();
        bool followSort = sortClause.Count > 0;
        foreach (var candidate in chain)
        {
            var newElements = candidate.Where(e => !previous.Contains(e)).ToList();
            while (followSort && sortClause.Count > previous.Count && newElements.Count > 0)
            {
                int next = sortClause[previous.Count];
                if (!newElements.Remove(next))
                {
                    followSort = false;
                    break;
                }
                previous.Add(next);
            }
            previous.AddRange(newElements);
        }
        return previous;
    }
}
