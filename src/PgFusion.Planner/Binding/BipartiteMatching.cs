namespace PgFusion.Planner.Binding;

/// <summary>
/// A maximum matching of a bipartite graph by Hopcroft-Karp, visiting nodes in the order
/// PostgreSQL's lib/bipartite.c does (free left nodes in ascending order, each node's adjacency
/// list from its last entry to its first): a maximum matching is not unique, and
/// <see cref="SortedGroupingSets"/> needs the one PostgreSQL finds, since it decides which grouping
/// sets share a rollup. Nodes are numbered from 1 on both sides; 0 stands for "unmatched".
/// </summary>
internal static class BipartiteMatching
{
    private const int Infinity = int.MaxValue;

    /// <summary>
    /// The matching of left nodes 1..<paramref name="size"/> to right nodes 1..<paramref name="size"/>
    /// along <paramref name="adjacency"/> (entry u: the right nodes left node u may match; entry 0 unused):
    /// PairUv[u] is u's partner, PairVu[v] is v's (0 when unmatched).
    /// </summary>
    public static (int[] PairUv, int[] PairVu) Match(int size, IReadOnlyList<int[]> adjacency)
    {
        var pairUv = new int[size + 1];
        var pairVu = new int[size + 1];
        var distance = new int[size + 1];
        while (BreadthSearch(size, adjacency, pairUv, pairVu, distance))
        {
            for (int u = 1; u <= size; u++)
                if (pairUv[u] == 0) DepthSearch(u, adjacency, pairUv, pairVu, distance);
        }
        return (pairUv, pairVu);
    }

    /// <summary>Layers the left nodes by alternating-path distance from the free ones; true while an augmenting path exists.</summary>
    private static bool BreadthSearch(int size, IReadOnlyList<int[]> adjacency, int[] pairUv, int[] pairVu, int[] distance)
    {
        var queue = new Queue<int>();
        distance[0] = Infinity;
        for (int u = 1; u <= size; u++)
        {
            if (pairUv[u] == 0)
            {
                distance[u] = 0;
                queue.Enqueue(u);
            }
            else
            {
                distance[u] = Infinity;
            }
        }
        while (queue.Count > 0)
        {
            int u = queue.Dequeue();
            if (distance[u] >= distance[0]) continue;
            var adjacent = adjacency[u];
            for (int i = adjacent.Length - 1; i >= 0; i--)
            {
                int next = pairVu[adjacent[i]];
                if (distance[next] == Infinity)
                {
                    distance[next] = distance[u] + 1;
                    if (next != 0) queue.Enqueue(next);
                }
            }
        }
        return distance[0] != Infinity;
    }

    /// <summary>Follows the layers from left node <paramref name="u"/> to a free right node and flips the path's pairs.</summary>
    private static bool DepthSearch(int u, IReadOnlyList<int[]> adjacency, int[] pairUv, int[] pairVu, int[] distance)
    {
        if (u == 0) return true;
        if (distance[u] == Infinity) return false;
        int next = distance[u] + 1;
        var adjacent = adjacency[u];
        for (int i = adjacent.Length - 1; i >= 0; i--)
        {
            int v = adjacent[i];
            if (distance[pairVu[v]] == next && DepthSearch(pairVu[v], adjacency, pairUv, pairVu, distance))
            {
                pairVu[v] = u;
                pairUv[u] = v;
                return true;
            }
        }
        distance[u] = Infinity;
        return false;
    }
}
