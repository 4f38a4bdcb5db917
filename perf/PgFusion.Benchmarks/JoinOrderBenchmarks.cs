using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PgFusion.Planner.JoinOrder;

namespace PgFusion.Benchmarks;

/// <summary>
/// Join enumeration alone (graph index + DPHyp + tree), exact DP in every case (budget raised).
/// Targets (issue 4): 12-relation star and 10-relation clique within 50 ms; TPC-H Q5/Q8/Q9-sized
/// graphs well under 1 ms. Figures in perf/joinorder.md.
/// </summary>
[Config(typeof(ShortInProcess))]
[MemoryDiagnoser]
public class JoinOrderBenchmarks
{
    /// <summary>BenchmarkDotNet 0.14 predates .NET 10's runtime moniker; in-process runs on the host runtime.</summary>
    public sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }

    private static readonly JoinOrderOptions Exact = new() { PairBudget = long.MaxValue };
    private QueryGraph _star12 = null!;
    private QueryGraph _clique10 = null!;
    private QueryGraph _q5 = null!;
    private QueryGraph _q8 = null!;
    private QueryGraph _q9 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _star12 = Shape(12, (i, j) => i == 0);
        _clique10 = Shape(10, (_, _) => true);
        // TPC-H SF1 row counts and key selectivities (1/ndistinct of the key side).
        _q5 = Tpch(["customer", "orders", "lineitem", "supplier", "nation", "region"],
            [150_000, 1_500_000, 6_000_000, 10_000, 25, 5],
            [(0, 1, 1.0 / 150_000), (1, 2, 1.0 / 1_500_000), (2, 3, 1.0 / 10_000), (0, 3, 1.0 / 25), (3, 4, 1.0 / 25), (4, 5, 1.0 / 5)]);
        _q8 = Tpch(["part", "supplier", "lineitem", "orders", "customer", "n1", "n2", "region"],
            [200_000, 10_000, 6_000_000, 1_500_000, 150_000, 25, 25, 5],
            [(0, 2, 1.0 / 200_000), (1, 2, 1.0 / 10_000), (2, 3, 1.0 / 1_500_000), (3, 4, 1.0 / 150_000), (4, 5, 1.0 / 25), (5, 7, 1.0 / 5), (1, 6, 1.0 / 25)]);
        _q9 = Tpch(["part", "supplier", "lineitem", "partsupp", "orders", "nation"],
            [200_000, 10_000, 6_000_000, 800_000, 1_500_000, 25],
            [(0, 2, 1.0 / 200_000), (1, 2, 1.0 / 10_000), (3, 2, 1.0 / 10_000), (3, 2, 1.0 / 200_000), (4, 2, 1.0 / 1_500_000), (1, 5, 1.0 / 25), (1, 3, 1.0 / 10_000)]);
    }

    [Benchmark] public JoinOrderResult Star12() => new PlanEnumerator(_star12, Exact).Solve();
    [Benchmark] public JoinOrderResult Clique10() => new PlanEnumerator(_clique10, Exact).Solve();
    [Benchmark] public JoinOrderResult TpchQ5() => new PlanEnumerator(_q5, Exact).Solve();
    [Benchmark] public JoinOrderResult TpchQ8() => new PlanEnumerator(_q8, Exact).Solve();
    [Benchmark] public JoinOrderResult TpchQ9() => new PlanEnumerator(_q9, Exact).Solve();
    [Benchmark] public JoinOrderResult Clique10Greedy() => GreedyJoinOrderer.Solve(_clique10);

    private static QueryGraph Shape(int n, Func<int, int, bool> edge)
    {
        var g = new QueryGraph();
        for (var i = 0; i < n; i++)
            g.AddRelation(1000 + (i * 7919 % 100_000));
        for (var j = 1; j < n; j++)
        {
            for (var i = 0; i < j; i++)
            {
                if (edge(i, j))
                    g.AddEdge(RelSet.Single(i), RelSet.Single(j), JoinKind.Inner, 1.0 / (10 + (i * 31 + j * 17) % 1000));
            }
        }
        return g;
    }

    private static QueryGraph Tpch(string[] names, double[] rows, (int A, int B, double Sel)[] edges)
    {
        var g = new QueryGraph();
        for (var i = 0; i < names.Length; i++)
            g.AddRelation(rows[i], names[i]);
        foreach (var (a, b, sel) in edges)
            g.AddEdge(RelSet.Single(a), RelSet.Single(b), JoinKind.Inner, sel);
        return g;
    }
}
