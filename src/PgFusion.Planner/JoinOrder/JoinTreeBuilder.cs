namespace PgFusion.Planner.JoinOrder;

/// <summary>Turns enumerator decisions into <see cref="JoinTree"/> nodes, with costs and build sides.</summary>
internal static class JoinTreeBuilder
{
    public static JoinTreeLeaf Leaf(HypergraphIndex index, int relation) => new(relation, index.BaseRows[relation]);

    public static JoinTreeNode Join(HypergraphIndex index, JoinTree left, JoinTree right, JoinKind kind, double rows)
    {
        var edges = index.AppliedEdges(left.Relations.Bits, right.Relations.Bits);
        // As HypergraphIndex.TryJoin: keyless only when there are predicates and none is a hash key.
        bool hashKey = edges.Count == 0 || edges.Any(e => e.HashKey);
        return new(left, right, kind, edges, rows,
            CostModel.JoinCost(rows, left.EstimatedRows, right.EstimatedRows, left.Cost, right.Cost, hashKey),
            CostModel.ChooseBuildSide(left.EstimatedRows, right.EstimatedRows));
    }
}
