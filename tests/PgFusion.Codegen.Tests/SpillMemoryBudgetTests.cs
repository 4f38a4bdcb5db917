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

    /// <summary>
    /// The slack a spilled window partition holds beyond its budget, whatever the partition's size:
    /// the read-block cache (16 blocks of 1024 rows of the read columns: here a.id, b.id, a.i4, 4
    /// bytes and a validity bit each) and one 1024-row chunk of the functions' values (two int8).
    /// </summary>
    private const long WindowSlackBytes = 16 * 1024 * (3 * 4 + 3 / 8 + 1) + 1024 * 2 * 9;

    [Fact]
    public void A_window_partition_larger_than_the_budget_stays_within_it_plus_its_block_cache() =>
        SpillPipelineTests.EqualsPostgresSpilling(fixture,
            $"SELECT a.id, b.id, a.s, sum(a.i4) OVER w, row_number() OVER w FROM {Pairs} WINDOW w AS (ORDER BY a.id, b.id ROWS BETWEEN 100 PRECEDING AND CURRENT ROW)", 256, spill =>
            {
                Assert.True(spill.WindowPartitionSpills > 0, "the 300,000-row partition did not spill at 256 kB");
                var window = spill.ByNode().Single(e => e.Operator == SpillOperator.Window).Node;
                long peak = spill.Memory.PeakBytesOf(window);
                // it measured the partition filling up to the point it spilled, and stayed within budget + slack
                Assert.True(peak > spill.BudgetBytes / 2, $"the window node's tracked peak is {peak} bytes");
                Assert.True(peak <= spill.BudgetBytes + WindowSlackBytes,
                    $"the window node peaked at {peak} bytes, over the {spill.BudgetBytes}-byte budget + {WindowSlackBytes} bytes of block cache and values");
                Assert.All(spill.Memory.PeaksByNode().Where(e => e.Key != window), e => Assert.True(e.Value <= spill.BudgetBytes,
                    $"node {e.Key} peaked at {e.Value} bytes, over the {spill.BudgetBytes}-byte budget"));
            });

    /// <summary>
    /// Window aggregates over a partition far larger than the budget (its rows spilled) whose
    /// carried states take more than the aggregates' share of it: a reverse running aggregate (a
    /// frame ending at UNBOUNDED FOLLOWING whose start moves) keeps a checkpoint of its state per
    /// 1024 rows, a sliding one over a wide frame one suffix per 1024-row block of the frame; with
    /// text extremes and numeric sums one per chunk would take ~60 kB here (293 x (32 + ~25 bytes of
    /// text, ~110 of numeric sum, 32 of count) + 8 bytes each). They count in the window node's
    /// gauge, and every other one goes (recomputed from the next kept one) until they fit: the
    /// spilled partition's block cache is a slack beyond the budget, so the states share the eighth
    /// its rows left (8 kB), with one state's overshoot each; the values stay PostgreSQL's. RANGE
    /// over 100 peer groups, so that PostgreSQL's max, which restarts each time the frame's start
    /// moves, restarts 100 times, not once a row. (Lower-case order by: the rows of a peer group
    /// come in any order, so they compare as a set.)
    /// </summary>
    public static TheoryData<string> WideWindowStates => new()
    {
        $"SELECT a.id, b.id, max(a.s || '/' || a.id || '/' || b.id) OVER w, sum(a.n2) OVER w, count(*) OVER w FROM {Pairs} WINDOW w AS (order by b.id RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)",
        $"SELECT a.id, b.id, max(a.s || '/' || a.id || '/' || b.id) OVER w, sum(a.n2) OVER w, count(*) OVER w FROM {Pairs} WINDOW w AS (order by b.id RANGE BETWEEN CURRENT ROW AND 60 FOLLOWING)",
    };

    [Theory]
    [MemberData(nameof(WideWindowStates))]
    public void Window_aggregate_states_over_a_spilled_partition_are_thinned_within_the_budget(string sql) =>
        SpillPipelineTests.EqualsPostgresSpilling(fixture, sql, 64, spill =>
        {
            Assert.True(spill.WindowPartitionSpills > 0, "the 300,000-row partition did not spill at 64 kB");
            Assert.True(spill.WindowStateThinnings > 0, "the states (293 of text, numeric and count) fit the aggregates' share of 64 kB");
            long states = spill.WindowStatesPeakBytes;
            Assert.True(states > 0, "the window aggregates' states were not counted");
            Assert.True(states <= spill.BudgetBytes / 4, $"the window aggregates' states peaked at {states} bytes, over a quarter of the {spill.BudgetBytes}-byte budget");
        });

    [Fact]
    public void A_hash_join_build_side_is_tracked_and_stays_within_the_budget_while_it_partitions() =>
        SpillPipelineTests.EqualsPostgresSpilling(fixture,
            // every column of both sides, so that whichever side PostgreSQL hashes passes 256 kB (at a
            // few kB the partitions' floors, 16-row blocks and 512-byte buffers, pass the budget: docs/spill.md)
            "SELECT a.*, b.* FROM t50 a JOIN t0 b ON a.i4 = b.i4 + 1", 256, spill =>
            {
                Assert.Contains(spill.ByOperator(), e => e.Operator == SpillOperator.HashJoin && e.Files > 0);
                var join = spill.ByNode().First(e => e.Operator == SpillOperator.HashJoin).Node;
                Assert.True(spill.Memory.PeakBytesOf(join) > spill.BudgetBytes / 2, $"the hash join's tracked peak is {spill.Memory.PeakBytesOf(join)} bytes");
                AssertWithinBudget(spill);
            });

    /// <summary>
    /// Sorted runs of DISTINCT / ORDER BY aggregates, too many to merge at once: merged in passes.
    /// The last figure is how many budgets the aggregate node may hold: one without GROUP BY (the
    /// merge alone), two with groups, whose table (with what the accumulators held when it was
    /// last measured) stays while the replay merges (docs/spill.md: "at most about twice the budget").
    /// </summary>
    public static TheoryData<string, int, int> ManyAggregateRuns => new()
    {
        { $"SELECT count(DISTINCT a.id * 1000 + b.id), count(*) FROM {Pairs}", 64, 1 },
        { $"SELECT b.id % 3, string_agg(a.s, ',' ORDER BY a.id DESC, b.id) FROM {Pairs} GROUP BY b.id % 3", 64, 2 },
    };

    [Theory]
    [MemberData(nameof(ManyAggregateRuns))]
    public void Aggregate_runs_too_many_for_the_budget_merge_in_passes_within_it(string sql, int budgetKb, int budgets) =>
        SpillPipelineTests.EqualsPostgresSpilling(fixture, sql, budgetKb, spill =>
        {
            Assert.True(spill.AggregateRunsMergePasses > 0, $"no intermediate merge of aggregate runs with a {budgetKb} kB budget ({spill.FilesCreated} files)");
            Assert.All(spill.Memory.PeaksByNode(), e => Assert.True(e.Value <= budgets * spill.BudgetBytes,
                $"node {e.Key} peaked at {e.Value} bytes, over {budgets} x the {spill.BudgetBytes}-byte budget"));
            Assert.True(spill.Memory.PeakBytes > 0);
            Assert.Equal(0, spill.Memory.CurrentBytes);
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
