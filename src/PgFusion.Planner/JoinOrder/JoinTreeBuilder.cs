namespace PgFusion.Planner.JoinOrder;

/// <summary>Turns enumerator decisions into <see cref="JoinTree"/> nodes, with costs and build sides.</summary>
internal static class JoinTreeBuilder
{
    public static JoinTreeLeaf Leaf(HypergraphIndex index, int relation) => new(relation, index.BaseRows[relation]);

    public static JoinTreeNode Join(HypergraphIndex index, JoinTree left, JoinTree right, JoinKind kind, double rows) =>
        new(left, right, kind, index.AppliedEdges(left.Relations.Bits, right.Relations.Bits), rows,
            CostModel.JoinCost(rows, left.EstimatedRows, right.EstimatedRows, left.Cost, right.Cost),
            CostModel.ChooseBuildSide(left.EstimatedRows, right.EstimatedRows));
}
