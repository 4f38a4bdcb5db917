using PgFusion.Planner.JoinOrder;

namespace PgFusion.Planner.Tests.JoinOrder;

/// <summary>The classic query-graph shapes of the DP literature, with arbitrary rows and selectivities.</summary>
internal static class GraphShapes
{
    public static QueryGraph Chain(int n) => Build(n, (g, i) => { if (i > 0) Edge(g, i - 1, i); });

    /// <summary>Relation 0 in the centre.</summary>
    public static QueryGraph Star(int n) => Build(n, (g, i) => { if (i > 0) Edge(g, 0, i); });

    public static QueryGraph Cycle(int n) => Build(n, (g, i) =>
    {
        if (i > 0) Edge(g, i - 1, i);
        if (i == n - 1 && n > 2) Edge(g, i, 0);
    });

    public static QueryGraph Clique(int n) => Build(n, (g, i) =>
    {
        for (var j = 0; j < i; j++) Edge(g, j, i);
    });

    private static QueryGraph Build(int n, Action<QueryGraph, int> addEdgesOf)
    {
        var g = new QueryGraph();
        for (var i = 0; i < n; i++)
            g.AddRelation(10 + (i * 7919 % 1000), "R" + i);
        for (var i = 0; i < n; i++)
            addEdgesOf(g, i);
        return g;
    }

    private static void Edge(QueryGraph g, int a, int b) =>
        g.AddEdge(RelSet.Single(a), RelSet.Single(b), JoinKind.Inner, 1.0 / (2 + ((a * 31 + b * 17) % 50)), $"R{a}=R{b}");
}
