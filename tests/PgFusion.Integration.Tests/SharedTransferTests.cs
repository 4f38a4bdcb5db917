using System.Collections.Concurrent;
using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// pg_fusion.page_transfer = shared (docs/ipc.md 6.5): the backend leaves each heap page pinned in
/// shared buffers and the worker reads it in place. PostgreSQL with pg_fusion off on the same
/// connection (same transaction, same snapshot) is the oracle. Every test also checks that no
/// pool page or slot stays in use and that PostgreSQL reported no leaked buffer pin (its
/// "buffer refcount leak" WARNING at commit reaches the client as a notice). Runs alone: it
/// counts pool pages.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class SharedTransferTests(PageReaderDatabase db) : IClassFixture<PageReaderDatabase>
{
    private const string Toast = "SELECT id % 7 AS b, count(*), sum(length(t)), max(t) FROM pr_toast GROUP BY 1 ORDER BY 1";

    private readonly ConcurrentQueue<string> notices = new();

    private NpgsqlConnection OpenShared()
    {
        if (!db.FusionAvailable)
            Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        var conn = db.Open();
        conn.Notice += (_, e) => notices.Enqueue($"{e.Notice.Severity}: {e.Notice.MessageText}");
        PgServer.Execute(conn, """
            SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error;
            SET pg_fusion.page_readers = 0; SET pg_fusion.page_transfer = shared
            """);
        return conn;
    }

    private void AssertNoLeaks()
    {
        db.AssertNoLeakedSlotsOrPages();
        Assert.DoesNotContain(notices, n => n.Contains("leak", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Results_are_PostgreSQLs_and_every_pin_is_dropped()
    {
        using var conn = OpenShared();
        foreach (var sql in PageReaderTests.Queries)
            PageReaderTests.AssertCorrect(conn, sql);
        PageReaderTests.AssertCorrect(conn, Toast);
        var plan = PageReaderTests.ExplainAnalyze(conn, PageReaderTests.Aggregate);
        Assert.Contains(plan, l => l.Trim() == "Page Transfer: shared");
        long pages = PageReaderTests.Figure(plan, "Pages Served") ?? -1;
        // a relation bigger than the session quota: pins are dropped as the worker returns pages
        long quota = long.Parse((string)PgServer.Scalar(conn, "SHOW pg_fusion.session_pages")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(pages > 2 * quota, $"{pages} pages, quota {quota}\n{string.Join('\n', plan)}");
        Assert.Equal(pages, PageReaderTests.Figure(plan, "Pins Dropped"));
        AssertNoLeaks();
    }

    [Fact]
    public void Shared_is_the_default()
    {
        using var conn = OpenShared();
        PgServer.Execute(conn, "RESET pg_fusion.page_transfer");
        Assert.Equal("shared", (string)PgServer.Scalar(conn, "SHOW pg_fusion.page_transfer")!);
        var plan = PageReaderTests.ExplainAnalyze(conn, PageReaderTests.Aggregate);
        Assert.Contains(plan, l => l.Trim() == "Page Transfer: shared");
        Assert.Equal(PageReaderTests.Figure(plan, "Pages Served"), PageReaderTests.Figure(plan, "Pins Dropped"));
        AssertNoLeaks();
    }

    [Fact]
    public void Copy_mode_says_so_and_gives_the_same_results()
    {
        using var conn = OpenShared();
        PgServer.Execute(conn, "SET pg_fusion.page_transfer = copy");
        var plan = PageReaderTests.ExplainAnalyze(conn, PageReaderTests.Aggregate);
        Assert.DoesNotContain(plan, l => l.Contains("Page Transfer", StringComparison.Ordinal));
        string copy = ResultText.Run(conn, PageReaderTests.Aggregate);
        PgServer.Execute(conn, "SET pg_fusion.page_transfer = shared");
        Assert.Equal(copy, ResultText.Run(conn, PageReaderTests.Aggregate));
        AssertNoLeaks();
    }

    [Fact]
    public async Task Concurrent_inserts_and_updates_into_the_scanned_pages_do_not_change_a_snapshots_result()
    {
        using (var setup = db.Open())
            PgServer.Execute(setup, """
                DROP TABLE IF EXISTS st_busy;
                CREATE TABLE st_busy (id int8, k int4, v numeric(12,2), s text) WITH (fillfactor = 50);
                INSERT INTO st_busy SELECT g, g % 40, g * 0.5, 'r' || (g % 300) FROM generate_series(1, 60000) g;
                """);
        using (var setup = db.Open())
            PgServer.Execute(setup, "VACUUM ANALYZE st_busy");
        const string Sql = "SELECT k, count(*), sum(v), min(s), max(id) FROM st_busy GROUP BY k ORDER BY k";
        const string Count = "SELECT count(*), sum(v) FROM st_busy WHERE id < 60000";
        using var conn = OpenShared();
        using var writer = db.Open();
        using var stop = new CancellationTokenSource();
        // inserts land in the free space VACUUM left on every page (fillfactor 50); HOT updates
        // add versions next to the old ones and set xmax on them: the pages being scanned change
        var writes = Task.Run(() =>
        {
            int n = 0;
            while (!stop.IsCancellationRequested)
            {
                n++;
                PgServer.Execute(writer, $"""
                    INSERT INTO st_busy SELECT 100000 + {n} * 100 + g, g % 40, 1.25, 'new' FROM generate_series(1, 100) g;
                    UPDATE st_busy SET v = v + 1 WHERE id % 997 = {n % 997};
                    DELETE FROM st_busy WHERE id % 1999 = {n % 1999} AND id < 60000
                    """);
            }
            return n;
        });
        try
        {
            for (int round = 0; round < 6; round++)
            {
                // one snapshot for both runs: PostgreSQL's result for it is the oracle (under READ
                // COMMITTED the two statements would see different commits of the writer)
                PgServer.Execute(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
                string on = ResultText.Run(conn, Sql);
                string onCount = ResultText.Run(conn, Count);
                PgServer.Execute(conn, "SET LOCAL pg_fusion.enable = off");
                string off = ResultText.Run(conn, Sql);
                string offCount = ResultText.Run(conn, Count);
                PgServer.Execute(conn, "COMMIT");
                Assert.True(off == on, $"round {round}: {ResultText.FirstDifference(off, on)}");
                Assert.True(offCount == onCount, $"round {round}: {ResultText.FirstDifference(offCount, onCount)}");
            }
        }
        finally
        {
            // the writer's connection is disposed only after its last statement
            stop.Cancel();
            await writes;
        }
        Assert.True(await writes > 0);
        AssertNoLeaks();
    }

    [Fact]
    public void A_cancelled_scan_leaves_no_pin_or_page_and_the_next_query_works()
    {
        using var conn = OpenShared();
        const string Slow = "SELECT a.k, count(*), sum(a.v * b.v) FROM pr_big a JOIN pr_big b ON a.k = b.k GROUP BY a.k ORDER BY a.k";
        int cancelled = 0;
        foreach (int ms in new[] { 30, 100, 300, 1000 })
        {
            PgServer.Execute(conn, $"SET statement_timeout = '{ms}ms'");
            try
            {
                ResultText.Run(conn, Slow);
            }
            catch (PostgresException e) when (e.SqlState == "57014")
            {
                cancelled++;
            }
            PgServer.Execute(conn, "RESET statement_timeout");
            PageReaderTests.AssertCorrect(conn, PageReaderTests.Aggregate);
        }
        Assert.True(cancelled > 0, "no statement_timeout fired: the scan was never cancelled mid-way");
        AssertNoLeaks();
    }

    [Fact]
    public void A_worker_error_mid_scan_and_a_LIMIT_leave_no_pin_or_page()
    {
        using (var failing = OpenShared())
        {
            PgServer.Execute(failing, "SET pg_fusion.debug_fault = execute");
            Assert.Throws<PostgresException>(() => ResultText.Run(failing, PageReaderTests.Aggregate));
        }
        // (Npgsql closes a connection after an XX-class error: the next query on a new one)
        using var conn = OpenShared();
        PageReaderTests.AssertCorrect(conn, PageReaderTests.Aggregate);
        Assert.Equal(25, ResultText.RowCount(ResultText.Run(conn, "SELECT id, s FROM pr_big WHERE v > 10 LIMIT 25")));
        // a cursor read part-way, then closed: EndCustomScan drops the pins
        // (fallback: whether a cursor is offloaded is not what this checks)
        PgServer.Execute(conn, "SET pg_fusion.on_unsupported = fallback");
        PgServer.Execute(conn, "BEGIN; DECLARE c CURSOR FOR SELECT id, v FROM pr_big WHERE id % 3 = 0; FETCH 10 FROM c; CLOSE c; COMMIT");
        AssertNoLeaks();
    }
}
