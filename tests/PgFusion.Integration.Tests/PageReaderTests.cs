using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// A table of ~1,300 pages (half of them all-visible after VACUUM, half changed since; bounded
/// types only, so no TOAST table), a small one to join, and one with external TOAST values.
/// </summary>
public sealed class PageReaderDatabase : TestDatabase
{
    public PageReaderDatabase()
        : base("pgfusion_page_reader_test")
    {
        using var conn = Open();
        PgServer.Execute(conn, """
            DROP TABLE IF EXISTS pr_big, pr_small, pr_toast;
            CREATE TABLE pr_big (id int8, k int4, v numeric(12,2), s varchar(24), d date);
            INSERT INTO pr_big
            SELECT g, g % 50, g * 0.25, 'row ' || (g % 1000), DATE '2021-01-01' + (g % 700)
            FROM generate_series(1, 150000) g;
            CREATE TABLE pr_small (k int4, name varchar(16));
            INSERT INTO pr_small SELECT k, 'name ' || (k % 7) FROM generate_series(0, 60) k;
            CREATE TABLE pr_toast (id int4, t text);
            INSERT INTO pr_toast
            SELECT g, CASE WHEN g % 10 = 0 THEN (SELECT string_agg(md5((g * 1000 + i)::text), '') FROM generate_series(1, 200) i) ELSE 'short ' || g END
            FROM generate_series(1, 20000) g;
            """);
        PgServer.Execute(conn, "VACUUM ANALYZE pr_big");
        PgServer.Execute(conn, "VACUUM ANALYZE pr_small");
        PgServer.Execute(conn, "VACUUM ANALYZE pr_toast");
        // pages changed after VACUUM are not all-visible: their tuples are tested one by one
        PgServer.Execute(conn, "UPDATE pr_big SET v = v + 1 WHERE id > 75000 AND id % 4 = 0");
    }
}

/// <summary>
/// Page readers (pg_fusion.page_readers, docs/parallel.md): PostgreSQL parallel workers that read
/// heap pages into the pool while the backend forwards them to the worker in block order.
/// PostgreSQL with pg_fusion.enable = off on the same connection is the oracle: same transaction,
/// same snapshot rules. Runs alone: it counts pool pages and parallel workers.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class PageReaderTests(PageReaderDatabase db) : IClassFixture<PageReaderDatabase>
{
    internal static readonly string[] Queries =
    [
        "SELECT k % 10 AS b, count(*), sum(v), min(s), max(d) FROM pr_big GROUP BY 1 ORDER BY 1",
        "SELECT id, v, s, d FROM pr_big WHERE id % 997 = 0 OR v < 3 ORDER BY id",
        "SELECT b.name, count(*), sum(a.v), max(a.id) FROM pr_big a JOIN pr_small b ON a.k = b.k GROUP BY b.name ORDER BY b.name",
    ];

    internal const string Aggregate = "SELECT count(*), sum(v), min(id), max(id) FROM pr_big";

    /// <summary>A pg_fusion session whose scans of any size may start page readers.</summary>
    private NpgsqlConnection OpenFusion(int readers)
    {
        if (!db.FusionAvailable)
            Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}: page readers cannot be tested");
        var conn = db.Open();
        PgServer.Execute(conn, $"""
            SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error;
            SET pg_fusion.page_readers = {readers}; SET max_parallel_workers_per_gather = 2;
            SET min_parallel_table_scan_size = 0
            """);
        return conn;
    }

    internal static string[] ExplainAnalyze(NpgsqlConnection conn, string sql) => [.. PgServer.Lines(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)];

    /// <summary>The integer EXPLAIN ANALYZE prints after "name: ", or null when the line is absent.</summary>
    internal static long? Figure(string[] plan, string name)
    {
        string prefix = name + ": ";
        foreach (var line in plan)
        {
            string t = line.Trim();
            if (t.StartsWith(prefix, StringComparison.Ordinal))
                return long.Parse(t[prefix.Length..], CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>Offloaded, and equal to PostgreSQL's own result on the same connection.</summary>
    internal static void AssertCorrect(NpgsqlConnection conn, string sql)
    {
        var plan = ExplainAnalyze(conn, sql);
        Assert.StartsWith("Custom Scan (PgFusionScan)", plan[0], StringComparison.Ordinal);
        string on = ResultText.Run(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        string off = ResultText.Run(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.enable = on");
        Assert.True(off == on, $"{sql}\nwith pg_fusion: {ResultText.FirstDifference(off, on)}");
    }

    private static PostgresException Fails(NpgsqlConnection conn, string sql) =>
        Assert.Throws<PostgresException>(() => ResultText.Run(conn, sql));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Results_are_PostgreSQLs_with_0_1_and_2_page_readers(int readers)
    {
        using var conn = OpenFusion(readers);
        foreach (var sql in Queries)
            AssertCorrect(conn, sql);
        var plan = ExplainAnalyze(conn, Aggregate);
        if (readers == 0)
            Assert.Null(Figure(plan, "Page Readers Planned"));
        else
        {
            Assert.Equal(readers, Figure(plan, "Page Readers Planned"));
            Assert.InRange(Figure(plan, "Page Readers Launched") ?? -1, 1, readers);
        }
        db.AssertNoLeakedSlotsOrPages();
    }

    [Fact]
    public void Readers_alone_read_every_block_in_order_and_the_results_do_not_change()
    {
        using var conn = OpenFusion(2);
        PgServer.Execute(conn, "SET pg_fusion.debug_fault = readers_only");
        foreach (var sql in Queries)
            AssertCorrect(conn, sql);
        var plan = ExplainAnalyze(conn, Aggregate);
        Assert.True(Figure(plan, "Page Readers Launched") >= 1, string.Join('\n', plan));
        Assert.Equal(Figure(plan, "Pages Served"), Figure(plan, "Pages Read by Readers"));
        // the rows come back in the order a serial scan reads them (the worker's row order follows the pages')
        const string Unordered = "SELECT id FROM pr_big WHERE id % 1000 = 7";
        string withReaders = ResultText.Run(conn, Unordered);
        PgServer.Execute(conn, "SET pg_fusion.page_readers = 0");
        Assert.Equal(ResultText.Run(conn, Unordered), withReaders);
        db.AssertNoLeakedSlotsOrPages();
    }

    [Fact]
    public void Without_parallel_workers_the_backend_serves_alone()
    {
        using var conn = OpenFusion(2);
        PgServer.Execute(conn, "SET max_parallel_workers = 0; SET pg_fusion.debug_fault = readers_only");
        foreach (var sql in Queries)
            AssertCorrect(conn, sql);
        var plan = ExplainAnalyze(conn, Aggregate);
        Assert.Equal(2, Figure(plan, "Page Readers Planned"));
        Assert.Equal(0, Figure(plan, "Page Readers Launched"));
        Assert.Equal(0, Figure(plan, "Pages Read by Readers"));
        db.AssertNoLeakedSlotsOrPages();
    }

    [Fact]
    public void A_LIMIT_that_stops_the_scan_early_leaves_no_pool_page_behind()
    {
        using var conn = OpenFusion(2);
        PgServer.Execute(conn, "SET pg_fusion.debug_fault = readers_only");
        const string Sql = "SELECT id, s FROM pr_big WHERE v > 10 LIMIT 25";
        Assert.StartsWith("Custom Scan (PgFusionScan)", ExplainAnalyze(conn, Sql)[0], StringComparison.Ordinal);
        Assert.Equal(25, ResultText.RowCount(ResultText.Run(conn, Sql)));
        db.AssertNoLeakedSlotsOrPages();
    }

    /// <summary>Issue 3's visibility end to end: with no page readers the backend serves every page and its visibility bitmap itself.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Uncommitted_changes_of_another_session_are_invisible_and_committed_ones_visible(int readers)
    {
        using var conn = OpenFusion(readers);
        using var other = db.Open();
        if (readers > 0) PgServer.Execute(conn, "SET pg_fusion.debug_fault = readers_only");
        PgServer.Execute(other, "BEGIN");
        try
        {
            PgServer.Execute(other, """
                UPDATE pr_big SET v = v + 100 WHERE id % 3 = 0 AND id < 120000;
                DELETE FROM pr_big WHERE id % 5 = 0 AND id > 30000;
                INSERT INTO pr_big SELECT 200000 + g, g % 50, 1.5, 'new', DATE '2022-02-02' FROM generate_series(1, 3000) g;
                """);
            foreach (var sql in Queries)
                AssertCorrect(conn, sql);
            PgServer.Execute(other, "COMMIT");
            foreach (var sql in Queries)
                AssertCorrect(conn, sql);
        }
        finally
        {
            PgServer.Execute(other, "ROLLBACK");
        }
    }

    [Fact]
    public void The_readers_see_their_own_transactions_changes_and_a_repeatable_read_snapshot()
    {
        using var conn = OpenFusion(2);
        using var other = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.debug_fault = readers_only");
        PgServer.Execute(conn, "BEGIN");
        try
        {
            // updated twice in one transaction: combo command ids, which the readers get from the backend
            PgServer.Execute(conn, "UPDATE pr_big SET v = v * 2 WHERE id % 7 = 0; UPDATE pr_big SET s = 'twice' WHERE id % 14 = 0");
            PgServer.Execute(conn, "DELETE FROM pr_big WHERE id % 11 = 0");
            foreach (var sql in Queries)
                AssertCorrect(conn, sql);
        }
        finally
        {
            PgServer.Execute(conn, "ROLLBACK");
        }

        PgServer.Execute(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        try
        {
            string before = ResultText.Run(conn, Queries[0]); // takes the snapshot
            PgServer.Execute(other, "DELETE FROM pr_big WHERE k = 3; UPDATE pr_big SET v = 0 WHERE k = 4");
            AssertCorrect(conn, Queries[0]);
            Assert.Equal(before, ResultText.Run(conn, Queries[0]));
        }
        finally
        {
            PgServer.Execute(conn, "ROLLBACK");
        }
    }

    [Fact]
    public void A_scan_that_ships_TOAST_values_is_read_by_the_backend_alone()
    {
        using var conn = OpenFusion(2);
        const string Sql = "SELECT id % 7 AS b, count(*), sum(length(t)), max(t) FROM pr_toast GROUP BY 1 ORDER BY 1";
        AssertCorrect(conn, Sql);
        var plan = ExplainAnalyze(conn, Sql);
        Assert.True((Figure(plan, "Pages Read by Readers") ?? 0) == 0, string.Join('\n', plan));
        db.AssertNoLeakedSlotsOrPages();
    }

    [Fact]
    public void A_serializable_transaction_reads_without_readers()
    {
        using var conn = OpenFusion(2);
        PgServer.Execute(conn, "BEGIN ISOLATION LEVEL SERIALIZABLE");
        try
        {
            var plan = ExplainAnalyze(conn, Aggregate);
            Assert.Null(Figure(plan, "Page Readers Launched"));
            foreach (var sql in Queries)
                AssertCorrect(conn, sql);
        }
        finally
        {
            PgServer.Execute(conn, "ROLLBACK");
        }
    }

    /// <summary>
    /// The fault raises 58030 (io_error), as a failed read would; Npgsql closes its connection after
    /// a class-58 error, so the queries after it use a new session.
    /// </summary>
    [Fact]
    public void An_error_in_a_reader_reaches_the_client_with_the_readers_context()
    {
        using (var conn = OpenFusion(2))
        {
            PgServer.Execute(conn, "SET pg_fusion.debug_fault = reader_error");
            var e = Fails(conn, Aggregate);
            Assert.Equal(PostgresErrorCodes.IoError, e.SqlState);
            Assert.Contains("reader_error", e.MessageText, StringComparison.Ordinal);
            Assert.Contains("pg_fusion page reader", e.Where ?? "", StringComparison.Ordinal);
        }
        using (var conn = OpenFusion(2))
            AssertCorrect(conn, Queries[0]);
        db.AssertNoLeakedSlotsOrPages();
    }

    [Fact]
    public void Statement_timeout_stops_a_query_waiting_for_a_stalled_reader()
    {
        using var conn = OpenFusion(2);
        PgServer.Execute(conn, "SET pg_fusion.debug_fault = reader_sleep; SET statement_timeout = '500ms'");
        var clock = Stopwatch.StartNew();
        var e = Fails(conn, Aggregate);
        Assert.Equal(PostgresErrorCodes.QueryCanceled, e.SqlState);
        Assert.Contains("statement timeout", e.MessageText, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the timeout took {clock.Elapsed} to stop a 60 s stall");
        PgServer.Execute(conn, "RESET pg_fusion.debug_fault; RESET statement_timeout");
        AssertCorrect(conn, Queries[0]);
        db.AssertNoLeakedSlotsOrPages();
    }

    [Fact]
    public async Task Pg_cancel_backend_stops_a_query_waiting_for_a_stalled_reader()
    {
        using var conn = OpenFusion(2);
        using var admin = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.debug_fault = reader_sleep");
        int pid = conn.ProcessID;
        var running = Task.Factory.StartNew(() => Fails(conn, Aggregate), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var clock = Stopwatch.StartNew();
        // the backend waits for a reader that sleeps: the reader shows up as an active parallel worker
        while (PgServer.Scalar(admin, $"SELECT count(*) FROM pg_stat_activity WHERE leader_pid = {pid} AND pid <> {pid}") is not > 0L)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "no page reader of the stalled query showed up");
            Thread.Sleep(20);
        }
        Thread.Sleep(100); // into the stall
        Assert.Equal(true, PgServer.Scalar(admin, $"SELECT pg_cancel_backend({pid})"));
        var e = await running.WaitAsync(TimeSpan.FromSeconds(20)); // TimeoutException: the cancel did not stop it
        Assert.Equal(PostgresErrorCodes.QueryCanceled, e.SqlState);
        PgServer.Execute(conn, "RESET pg_fusion.debug_fault");
        AssertCorrect(conn, Queries[2]);
        Assert.Equal(0L, PgServer.Scalar(admin, $"SELECT count(*) FROM pg_stat_activity WHERE leader_pid = {pid} AND pid <> {pid}"));
        db.AssertNoLeakedSlotsOrPages();
    }
}
