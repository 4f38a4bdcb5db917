using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// EXPLAIN ANALYZE's kernel figures belong to the statement (docs/ipc.md 5.3): two backends that
/// run offloaded statements at the same time each see their own compiles and cache hits, whether
/// their statements share no kernel or are the same query planned at the same moment.
/// </summary>
public sealed partial class KernelExplainTests
{
    private const int ConcurrentRounds = 8;

    // Every literal is the round's own (kernel cache keys hold literal values), so each round's
    // literal-dependent kernels are new to the worker and the rest were compiled by the warm-up.
    // The literals are int8 whatever their size, so every round plans the same shape.
    private static string ShapeA(long literal) =>
        $"SELECT k, sum(big + {literal}::int8) AS total FROM {T} WHERE big <> {literal}::int8 GROUP BY k";

    private static string ShapeB(long literal) =>
        $"SELECT count(*) FILTER (WHERE big * 2 > {literal}::int8) AS c, max(f + {literal}::int8) AS m, min(id - {literal}::int8) AS lo FROM {T} WHERE small <> {literal}::int8";

    /// <summary>Runs both statements at once, each on its own connection (backend), and returns their figures.</summary>
    private static (Figures A, Figures B) RunTogether(Npgsql.NpgsqlConnection a, string sqlA, Npgsql.NpgsqlConnection b, string sqlB)
    {
        using var start = new Barrier(2);
        var first = Task.Run(() =>
        {
            start.SignalAndWait();
            return ExplainJson(a, sqlA);
        });
        var second = Task.Run(() =>
        {
            start.SignalAndWait();
            return ExplainJson(b, sqlB);
        });
        Task.WaitAll(first, second);
        return (first.Result, second.Result);
    }

    /// <summary>A shape's figures for a literal the worker has not seen, once its literal-free kernels are cached.</summary>
    private static Figures Baseline(Npgsql.NpgsqlConnection conn, Func<long, string> shape, long literal)
    {
        ExplainJson(conn, shape(literal));
        var baseline = ExplainJson(conn, shape(literal + 1));
        Assert.False(baseline.PlanCached, $"{baseline}");
        Assert.True(baseline.Compiled >= 1, $"a new literal compiled nothing: {baseline}");
        return baseline;
    }

    [Fact]
    public void Two_backends_running_statements_with_distinct_kernels_at_once_each_report_only_their_own()
    {
        using var connA = OpenFusion();
        using var connB = OpenFusion();
        long literal = Unique + 100;
        var baseA = Baseline(connA, ShapeA, literal);
        var baseB = Baseline(connB, ShapeB, literal + 10);

        for (int round = 0; round < ConcurrentRounds; round++)
        {
            long l = literal + 1000 + (round * 10);
            var (a, b) = RunTogether(connA, ShapeA(l), connB, ShapeB(l + 5));
            Assert.True(a.Compiled == baseA.Compiled && a.CacheHits == baseA.CacheHits && !a.PlanCached,
                $"round {round}: backend A alone {baseA}, beside B {a} (B: {b})");
            Assert.True(b.Compiled == baseB.Compiled && b.CacheHits == baseB.CacheHits && !b.PlanCached,
                $"round {round}: backend B alone {baseB}, beside A {b} (A: {a})");
        }
    }

    [Fact]
    public void Two_backends_planning_the_same_statement_at_once_count_each_kernel_once_between_them()
    {
        using var connA = OpenFusion();
        using var connB = OpenFusion();
        long literal = Unique + 500;
        var alone = Baseline(connA, ShapeA, literal);
        long kernels = alone.Compiled + alone.CacheHits;

        for (int round = 0; round < ConcurrentRounds; round++)
        {
            string sql = ShapeA(literal + 1000 + (round * 10));
            var (a, b) = RunTogether(connA, sql, connB, sql);
            string figures = $"round {round}: alone {alone}, A {a}, B {b}";
            // each kernel new to the worker compiled once, for one of the two statements; each
            // statement looked up all of the plan's kernels (compiled, found, or through the plan cache)
            Assert.True(a.Compiled + b.Compiled == alone.Compiled, figures);
            Assert.True(a.Compiled + a.CacheHits == kernels && b.Compiled + b.CacheHits == kernels, figures);
            Assert.False(a.PlanCached && b.PlanCached, figures);
        }
    }
}
