using PgFusion.Codegen.Operators.Spill;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The spill paths with budgets of a few kB: hash aggregation (recursive partitions), DISTINCT,
/// count(DISTINCT), DISTINCT / ORDER BY aggregate state (sorted runs), sorts (runs and merge, top-N),
/// grace hash joins (inner, outer, full, semi, anti, NOT IN)
/// and INTERSECT/EXCEPT over t0/t50/t100 through the library pipeline,
/// compared with PostgreSQL; each must have spilled, and every spill file is gone afterwards.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class SpillPipelineTests(CodegenFixture fixture)
{
    public static TheoryData<string, int> Queries => new()
    {
        { "SELECT id % 500, count(*), sum(i4), sum(n2), min(s), max(d) FROM t50 GROUP BY id % 500", 4 },
        { "SELECT s, count(*), avg(i4), count(DISTINCT b) FROM t50 GROUP BY s", 2 },
        { "SELECT i2, b, string_agg(s, ',' ORDER BY id) FROM t0 GROUP BY i2, b ORDER BY i2, b", 4 },
        { "SELECT DISTINCT i2 % 100, s FROM t50", 2 },
        { "SELECT id % 1000, n, count(*) FROM t100 GROUP BY id % 1000, n", 1 },
        { "SELECT id, s, n2 FROM t50 ORDER BY s NULLS FIRST, n2 DESC, id", 8 },
        { "SELECT id, f8, ts FROM t0 ORDER BY f8, ts DESC, id", 4 },
        { "SELECT * FROM t50 ORDER BY n DESC, id", 8 }, // every column type through the spill file format
        { "SELECT id, s FROM t50 ORDER BY s DESC, id LIMIT 37", 2 },
        { "SELECT id % 300, count(*) FROM t0 GROUP BY id % 300 ORDER BY count(*) DESC, 1", 2 },
        { "SELECT a.id, b.id FROM t50 a JOIN t0 b ON a.i2 = b.i2", 4 },
        { "SELECT a.id, b.id, b.s FROM t50 a LEFT JOIN t0 b ON a.s = b.s", 4 },
        { "SELECT a.id, b.id FROM t50 a FULL JOIN t0 b ON a.i2 = b.i2 AND a.id < b.id", 8 },
        { "SELECT a.id FROM t50 a WHERE NOT EXISTS (SELECT 1 FROM t0 b WHERE b.i2 = a.i2)", 2 },
        { "SELECT a.id FROM t50 a WHERE EXISTS (SELECT 1 FROM t0 b WHERE b.i4 = a.i4 + 1)", 2 },
        { "SELECT i2 % 100, s FROM t50 INTERSECT SELECT i2 % 100, s FROM t0", 2 },
        { "SELECT s, b FROM t50 EXCEPT ALL SELECT s, b FROM t0 WHERE id % 2 = 0", 2 },
        { "SELECT n2 FROM t0 INTERSECT ALL SELECT n2 FROM t50", 2 },
        // per-group state: only the DISTINCT / ORDER BY accumulators' sorted runs can spill here (one group, or two)
        { "SELECT count(DISTINCT s), count(DISTINCT i4), sum(DISTINCT i2), count(*) FROM t50", 1 },
        { "SELECT b, string_agg(s, ',' ORDER BY i4 DESC, id) FROM t50 GROUP BY b ORDER BY b", 1 },
        { "SELECT b, string_agg(DISTINCT s, ';' ORDER BY s DESC), count(DISTINCT n2) FROM t0 GROUP BY b ORDER BY b", 1 },
        // NOT IN: partitions without NULLs in the subquery, and with (then the result is empty)
        { "SELECT a.id, a.s FROM t50 a WHERE a.i2 NOT IN (SELECT b.i2 + 1 FROM t0 b)", 2 },
        { "SELECT a.id FROM t0 a WHERE a.i4 NOT IN (SELECT b.i4 FROM t50 b)", 2 },
        // FETCH FIRST ... WITH TIES: sorted runs, the merge keeps the rows tied with the n-th (lower-case
        // order by: the rows are compared as a set, since PostgreSQL orders tied rows as it likes)
        { "SELECT * FROM (SELECT id, i2, s FROM t50 order by i2 NULLS FIRST FETCH FIRST 1700 ROWS WITH TIES) x", 2 },
        { "SELECT * FROM (SELECT id, b, n2 FROM t0 order by b DESC, n2 % 3 FETCH FIRST 100 ROWS WITH TIES) x", 2 },
        // WITH RECURSIVE: working tables past the budget go to a file (nothing else here buffers rows)
        { "WITH RECURSIVE r(id, d, s) AS (SELECT id, 0, s FROM t50 UNION ALL SELECT id, d + 1, s FROM r WHERE d < 3) SELECT * FROM r", 4 },
        { "WITH RECURSIVE r(id, d) AS (SELECT id, 0 FROM t0 UNION SELECT id, (d + 1) % 4 FROM r) SELECT * FROM r", 4 },
    };

    /// <summary>
    /// Joins that cannot partition run as a block nested loop over the spilled build side: joins
    /// without equi-keys (every kind PostgreSQL plans as a nested loop) and grace partitions of one
    /// key (a % 1 = b % 1: every row lands in the same partition at every level).
    /// </summary>
    public static TheoryData<string, int> BlockQueries => new()
    {
        { "SELECT a.id, b.id, b.s FROM t0 a JOIN t50 b ON a.id < b.id AND b.id < a.id + 3", 4 },
        { "SELECT count(*), sum(a.id + b.i2), max(b.s) FROM t0 a CROSS JOIN t50 b", 4 },
        { "SELECT a.id, b.id FROM t50 a LEFT JOIN t0 b ON b.id BETWEEN a.id - 1 AND a.id + 1 AND b.i4 > a.i4", 4 },
        { "SELECT a.id, b.id FROM t50 a RIGHT JOIN t0 b ON a.id > b.id + 2990", 4 },
        { "SELECT a.id, a.s FROM t50 a WHERE EXISTS (SELECT 1 FROM t0 b WHERE b.id > a.id + 2900)", 4 },
        { "SELECT a.id FROM t50 a WHERE NOT EXISTS (SELECT 1 FROM t0 b WHERE b.i4 > a.i4 AND b.id < a.id - 2500)", 4 },
        { "SELECT a.id % 7, count(*), count(b.id) FROM t50 a LEFT JOIN t0 b ON a.id % 1 = b.id % 1 AND b.id > a.id + 2000 GROUP BY 1", 8 },
        { "SELECT count(*), count(a.id), count(b.id), sum(a.id) FROM t50 a FULL JOIN t0 b ON a.i2 % 1 = b.i2 % 1", 8 },
        { "SELECT count(*), sum(a.id - b.id) FROM t0 a JOIN t100 b ON a.id % 1 = b.id % 1", 8 },
        { "SELECT a.id FROM t0 a WHERE EXISTS (SELECT 1 FROM t50 b WHERE b.id % 1 = a.id % 1 AND b.id > a.id + 2950)", 8 },
        { "SELECT a.id FROM t0 a WHERE NOT EXISTS (SELECT 1 FROM t50 b WHERE b.id % 1 = a.id % 1 AND b.id > a.id + 20)", 8 },
    };

    /// <summary>
    /// WITH RECURSIVE ... UNION whose working tables fit the budget but whose set of rows seen does
    /// not: the set freezes and later rows are checked against partition files at each iteration's
    /// end. The third query keeps, of equal numerics that print differently, the first met.
    /// </summary>
    public static TheoryData<string, int> SeenSetQueries => new()
    {
        { "WITH RECURSIVE r(v, d) AS (SELECT i2 % 50, 0 FROM t50 UNION SELECT (v * 3 + d) % 50, d + 1 FROM r WHERE d < 60) SELECT * FROM r", 8 },
        { "WITH RECURSIVE r(s, d) AS (SELECT s, 0 FROM t0 WHERE id <= 200 UNION SELECT s, (d + 1) % 30 FROM r) SELECT * FROM r", 8 },
        { "WITH RECURSIVE r(x, d) AS (SELECT CASE WHEN id % 2 = 0 THEN (id % 40)::numeric(6,1) ELSE (id % 40)::numeric(6,2) END, 0 FROM t0 WHERE id <= 200 UNION SELECT x, (d + 1) % 25 FROM r) SELECT * FROM r", 8 },
        // thousands of iterations of a few new rows each: every partition file grows by appends and is read again
        { "WITH RECURSIVE r(v) AS (SELECT id FROM t0 WHERE id <= 5 UNION SELECT (v * 7 + 3) % 4999 FROM r) SELECT * FROM r", 8 },
    };

    /// <summary>
    /// Window partitions of 1,500 and 3,000 rows past a budget of a few kB: the columns no window
    /// function reads go to a file and come back in row order, every frame kind the operator
    /// computes (ROWS / RANGE / GROUPS, sliding, running, reverse running, per-row float sums),
    /// ranking, lag/lead, first/last/nth_value. Every column type passes through the file. (Lower-case
    /// order by: the rows are compared as a set, since tied rows may come in either order.)
    /// </summary>
    public static TheoryData<string, int> WindowQueries => new()
    {
        { "SELECT *, row_number() OVER (order by id), rank() OVER (order by i2 / 100), dense_rank() OVER (order by i2 / 100) FROM t50", 4 },
        { "SELECT id, s, v, bp, percent_rank() OVER w, cume_dist() OVER w, ntile(7) OVER w FROM t50 WINDOW w AS (PARTITION BY b order by i4 NULLS FIRST, id)", 2 },
        { "SELECT id, s, n2, lag(i4) OVER w, lead(s, 3, 'none') OVER w, lag(n2, 1000) OVER w FROM t0 WINDOW w AS (PARTITION BY b order by id)", 2 },
        { "SELECT id, s, ts, first_value(i8) OVER w, last_value(s) OVER w, nth_value(d, 5) OVER w FROM t50 WINDOW w AS (order by id ROWS BETWEEN 7 PRECEDING AND 1100 FOLLOWING)", 2 },
        { "SELECT id, s, d, sum(i4) OVER w, count(*) OVER w, min(n2) OVER w, max(s) OVER w FROM t50 WINDOW w AS (order by i2 RANGE BETWEEN 200 PRECEDING AND 50 FOLLOWING)", 2 },
        { "SELECT id, s, f4, sum(i8) OVER w, avg(n2) OVER w, count(s) OVER w FROM t0 WINDOW w AS (PARTITION BY b order by i2 / 500 GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING)", 2 },
        { "SELECT id, s, v, sum(n2) OVER (order by id), avg(i4) OVER (order by i2 / 100 RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), sum(f8) OVER (order by id ROWS BETWEEN 20 PRECEDING AND 20 FOLLOWING) FROM t50", 2 },
        { "SELECT id, s, count(*) OVER (), count(*) FILTER (WHERE i4 > 0) OVER (order by id ROWS BETWEEN 100 PRECEDING AND CURRENT ROW) FROM t100", 2 },
    };

    [Theory]
    [MemberData(nameof(WindowQueries))]
    public void Window_partitions_past_the_budget_spill_and_equal_postgres(string sql, int budgetKb) =>
        EqualsPostgresSpilling(fixture, sql, budgetKb, spill =>
        {
            Assert.True(spill.WindowPartitionSpills > 0, $"no window partition spilled with a {budgetKb} kB budget");
            // EXPLAIN ANALYZE's per-operator figures name the window's files apart from its sort's
            Assert.Contains(spill.ByOperator(), e => e.Operator == SpillOperator.Window && e.Files > 0 && e.Bytes > 0);
            AssertByOperatorAddsUp(spill);
        });

    /// <summary>The per-operator spill figures (DONE's last section) add up to the execution's totals.</summary>
    private static void AssertByOperatorAddsUp(SpillSpace spill)
    {
        var byOperator = spill.ByOperator();
        Assert.Equal(spill.FilesCreated, byOperator.Sum(e => e.Files));
        Assert.Equal(spill.BytesWritten, byOperator.Sum(e => e.Bytes));
        Assert.All(byOperator, e => Assert.True(Enum.IsDefined(e.Operator), e.Operator.ToString()));
    }

    [Theory]
    [MemberData(nameof(SeenSetQueries))]
    public void A_recursive_union_seen_set_spills_and_equals_postgres(string sql, int budgetKb) =>
        EqualsPostgresSpilling(fixture, sql, budgetKb, spill =>
            Assert.True(spill.RecursiveSeenSetSpills > 0, $"the set of rows seen did not spill with a {budgetKb} kB budget"));

    [Theory]
    [MemberData(nameof(BlockQueries))]
    public void Joins_that_cannot_partition_spill_as_a_block_nested_loop_and_equal_postgres(string sql, int budgetKb) =>
        EqualsPostgresSpilling(fixture, sql, budgetKb, spill =>
            Assert.True(spill.BlockNestedLoopJoins > 0, $"no block nested loop with a {budgetKb} kB budget"));

    [Theory]
    [MemberData(nameof(Queries))]
    public void Spilling_pipeline_equals_postgres(string sql, int budgetKb) =>
        EqualsPostgresSpilling(fixture, sql, budgetKb, spill =>
        {
            Assert.True(spill.FilesCreated > 0, $"nothing spilled with a {budgetKb} kB budget");
            AssertByOperatorAddsUp(spill);
        });

    /// <summary>
    /// Runs <paramref name="sql"/> offline under a <paramref name="budgetKb"/> kB spill budget in a
    /// fresh directory, compares with PostgreSQL, checks <paramref name="spilled"/> and that bytes were
    /// written, then that every spill file is gone once the space is disposed (SpillMemoryBudgetTests runs its queries through it too).
    /// </summary>
    internal static void EqualsPostgresSpilling(CodegenFixture fixture, string sql, int budgetKb, Action<SpillSpace> spilled)
    {
        string dir = Path.Combine(Path.GetTempPath(), "pgfusion-spill-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var spill = new SpillSpace(dir, budgetKb * 1024L))
            {
                new OfflinePipelineTests(fixture).EqualsPostgres(sql, spill);
                spilled(spill);
                Assert.True(spill.BytesWritten > 0);
                // every file counts under a plan node EXPLAIN shows (DONE's figures by node, docs/ipc.md 5.4)
                Assert.All(spill.ByNode(), e => Assert.True(e.Node > 0, $"{e.Operator}: {e.Files} files under no plan node"));
            }
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
