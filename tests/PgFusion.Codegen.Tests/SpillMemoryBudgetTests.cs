using PgFusion.Codegen.Operators.Spill;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// What the spilling operators hold stays within the budget while they spill, as their memory
/// gauges report it (<see cref="MemoryTracker"/>, by plan node): an external sort with more runs
/// than the budget can read at once merges them in passes (each run's block and stream buffer
/// sized from the budget), and a hash aggregate's group table leaves room for its partitions'
/// staged blocks and file buffers. Results are compared with PostgreSQL.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class SpillMemoryBudgetTests(CodegenFixture fixture)
{
    /// <summary>300,000 rows from a cross join of t0 with its first 100 rows.</summary>
    private const string Pairs = "t0 a CROSS JOIN t0 b WHERE b.id <= 100";

    public static TheoryData<string, int> ManyRunSorts => new()
    {
        { $"SELECT a.id, b.id, a.s FROM {Pairs} ORDER BY (a.id * 7919 + b.id) % 1000, a.id DESC, b.id", 128 },
        // top-N past the budget: the intermediate runs keep only the first N rows
        { $"SELECT a.id, b.id, a.i8 FROM {Pairs} ORDER BY (a.id * 31 + b.id) % 5000, a.id, b.id LIMIT 20000", 128 },
        // WITH TIES through the passes (lower-case order by: compared as a set)
        { $"SELECT * FROM (SELECT a.id, b.id AS bid FROM {Pairs} order by (a.id * 7919 + b.id) % 1000 FETCH FIRST 30000 ROWS WITH TIES) x", 128 },
    };

    [Theory]
    [MemberData(nameof(ManyRunSorts))]
    public void A_sort_with_more_runs_than_fit_the_budget_merges_in_passes_within_it(string sql, int budgetKb) =>
        SpillPipelineTests.EqualsPostgresSpilling(fixture, sql, budgetKb, spill =>
        {
            Assert.True(spill.SortMergePasses > 0, $"no intermediate merge with a {budgetKb} kB budget ({spill.FilesCreated} files)");
            AssertWithinBudget(spill);
        });

    [Fact]
    public void A_hash_aggregate_and_its_partitions_stay_within_the_budget() =>
        SpillPipelineTests.EqualsPostgresSpilling(fixture, $"SELECT a.id * 1000 + b.id, count(*), sum(a.i4), min(a.s) FROM {Pairs} GROUP BY 1", 4096, spill =>
        {
            Assert.Contains(spill.ByOperator(), e => e.Operator == SpillOperator.HashAggregate && e.Files > 0);
            AssertWithinBudget(spill);
        });

    /// <summary>Every plan node's gauges together peaked within the budget, and something was measured.</summary>
    private static void AssertWithinBudget(SpillSpace spill)
    {
        var peaks = spill.Memory.PeaksByNode();
        Assert.NotEmpty(peaks);
        Assert.True(spill.Memory.PeakBytes > 0);
        Assert.All(peaks, e => Assert.True(e.Value <= spill.BudgetBytes,
            $"node {e.Key} peaked at {e.Value} bytes, over the {spill.BudgetBytes}-byte budget"));
        Assert.Equal(0, spill.Memory.CurrentBytes); // every gauge was let go
    }
}
