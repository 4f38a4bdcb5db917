using PgFusion.Planner.JoinOrder;

namespace PgFusion.Planner.Tests.JoinOrder;

/// <summary>A random written join tree over a graph, with tiny tables to execute it on.</summary>
internal sealed record RandomQuery(QueryGraph Graph, JoinOperatorTree Tree, int Seed)
{
    public override string ToString() => $"seed {Seed}: {Describe(Tree)}";

    private static string Describe(JoinOperatorTree t) => t switch
    {
        JoinOperatorLeaf l => "R" + l.Relation,
        JoinOperator o => $"({Describe(o.Left)} {o.Kind}[{string.Join(" ", o.Predicates.Select(p => p.Payload))}] {Describe(o.Right)})",
        _ => "?",
    };
}

/// <summary>Random inputs for the property tests, each fully determined by one integer seed.</summary>
internal static class RandomQueries
{
    /// <summary>
    /// A connected hypergraph of inner joins: relation i joins an earlier relation (sometimes with a
    /// hyperedge over two or three relations), plus a few extra edges that close cycles.
    /// </summary>
    public static QueryGraph InnerHypergraph(int seed, int maxRelations)
    {
        var rnd = new Random(seed);
        var n = rnd.Next(2, maxRelations + 1);
        var g = new QueryGraph();
        for (var i = 0; i < n; i++)
            g.AddRelation(rnd.Next(1, 100_000));
        for (var i = 1; i < n; i++)
        {
            var left = RelSet.Single(rnd.Next(i));
            if (i > 1 && rnd.NextDouble() < 0.25)
                left |= RelSet.Single(rnd.Next(i));
            var right = RelSet.Single(i);
            if (i > 1 && rnd.NextDouble() < 0.15)
            {
                var extra = rnd.Next(i);
                if (!left.Contains(extra))
                    right |= RelSet.Single(extra);
            }
            g.AddEdge(left, right, JoinKind.Inner, Selectivity(rnd), $"e{i}", hashKey: rnd.NextDouble() < 0.8);
        }
        var extraEdges = rnd.Next(0, n);
        for (var k = 0; k < extraEdges; k++)
        {
            var a = rnd.Next(n);
            var b = rnd.Next(n);
            if (a == b)
                continue;
            var left = RelSet.Single(a);
            var right = RelSet.Single(b);
            var c = rnd.Next(n);
            if (rnd.NextDouble() < 0.3 && c != a && c != b)
                right |= RelSet.Single(c);
            g.AddEdge(left, right, JoinKind.Inner, Selectivity(rnd), $"x{k}", hashKey: rnd.NextDouble() < 0.8);
        }
        return g;
    }

    /// <summary>
    /// A random written tree of inner, left outer, full outer, semi and anti joins whose predicates
    /// read only relations visible at their operator (never the inner side of a semi/anti join below).
    /// </summary>
    public static RandomQuery OperatorTree(int seed, int maxRelations, bool innerOnly = false)
    {
        var rnd = new Random(seed);
        var n = rnd.Next(2, maxRelations + 1);
        var g = new QueryGraph();
        for (var i = 0; i < n; i++)
            g.AddRelation(rnd.Next(1, 10_000));
        var relations = Enumerable.Range(0, n).OrderBy(_ => rnd.Next()).ToArray();
        var tree = Build(rnd, relations, innerOnly, out _);
        ConflictDetector.AddEdges(g, tree);
        return new RandomQuery(g, tree, seed);
    }

    /// <summary>Tables of 0 to 3 rows with x in 0..2, so matches, misses and empty inputs all happen.</summary>
    public static int[][] Data(Random rnd, int relations) =>
        [.. Enumerable.Range(0, relations).Select(_ => Enumerable.Range(0, rnd.Next(0, 4)).Select(_ => rnd.Next(3)).ToArray())];

    private static JoinOperatorTree Build(Random rnd, int[] relations, bool innerOnly, out RelSet visible)
    {
        if (relations.Length == 1)
        {
            visible = RelSet.Single(relations[0]);
            return new JoinOperatorLeaf(relations[0]);
        }
        var split = rnd.Next(1, relations.Length);
        var left = Build(rnd, relations[..split], innerOnly, out var leftVisible);
        var right = Build(rnd, relations[split..], innerOnly, out var rightVisible);
        var kind = innerOnly ? JoinKind.Inner : rnd.Next(10) switch
        {
            < 4 => JoinKind.Inner,
            < 6 => JoinKind.LeftOuter,
            < 7 => JoinKind.FullOuter,
            < 8 => JoinKind.Semi,
            _ => JoinKind.Anti,
        };
        var predicates = new List<JoinPredicate>();
        var count = kind == JoinKind.Inner && rnd.NextDouble() < 0.1 ? 0 : rnd.Next(1, 3);
        for (var k = 0; k < count; k++)
        {
            var refs = RelSet.Single(Pick(rnd, leftVisible)) | RelSet.Single(Pick(rnd, rightVisible));
            if (rnd.NextDouble() < 0.2)
                refs |= RelSet.Single(Pick(rnd, leftVisible | rightVisible));
            if (rnd.NextDouble() < 0.1)
                refs = RelSet.Single(Pick(rnd, rnd.Next(2) == 0 ? leftVisible : rightVisible)); // reads one side only
            var strict = rnd.NextDouble() < 0.75;
            var payload = new TestPredicate(refs.ToArray(), strict);
            var sel = Selectivity(rnd);
            var hashKey = rnd.NextDouble() < 0.8;
            predicates.Add(new JoinPredicate(refs, sel, payload, strict ? refs : RelSet.Empty, hashKey));
        }
        visible = kind is JoinKind.Semi or JoinKind.Anti ? leftVisible : leftVisible | rightVisible;
        return new JoinOperator(kind, left, right, predicates);
    }

    private static int Pick(Random rnd, RelSet set)
    {
        var members = set.ToArray();
        return members[rnd.Next(members.Length)];
    }

    private static double Selectivity(Random rnd) => Math.Pow(10, -rnd.NextDouble() * 4);
}
