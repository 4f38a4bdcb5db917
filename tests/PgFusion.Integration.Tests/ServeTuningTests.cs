using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// pg_fusion.serve_tuning (docs/ipc.md, 6.2 "Serving pages cheaply"): each of the backend's
/// page-serving measures alone, none and all give PostgreSQL's results (pg_fusion off on the same
/// connection is the oracle), keep PAGE_RUNs within their length cap and leave no slot or pool page
/// in use. The tables are PageReaderTests': all-visible and changed pages, TOAST values.
/// Runs alone: it counts pool pages.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class ServeTuningTests(PageReaderDatabase db) : IClassFixture<PageReaderDatabase>
{
    private const int RoundWake = 1;
    private const int LongRuns = 2;
    private const int NextBuffer = 8;
    private const int LineRange = 64;
    private const int BatchWorker = 1024; // the worker's threads of the execution under SCHED_BATCH

    private const string Toast = "SELECT id % 7 AS b, count(*), sum(length(t)), max(t) FROM pr_toast GROUP BY 1 ORDER BY 1";

    [Theory]
    [InlineData(0)]
    [InlineData(RoundWake)]
    [InlineData(LongRuns)]
    [InlineData(4)]
    [InlineData(NextBuffer)]
    [InlineData(15)]
    [InlineData(LineRange)]
    [InlineData(63)]
    [InlineData(127)]
    [InlineData(255)]
    [InlineData(511)]
    [InlineData(1023)]
    [InlineData(BatchWorker)]
    [InlineData(2047)]
    public void Results_are_PostgreSQLs_and_every_page_is_freed(int tuning)
    {
        if (!db.FusionAvailable)
            Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        PgServer.Execute(conn, $"""
            SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error;
            SET pg_fusion.page_readers = 0; SET pg_fusion.serve_tuning = {tuning}
            """);
        foreach (var sql in PageReaderTests.Queries)
            PageReaderTests.AssertCorrect(conn, sql);
        PageReaderTests.AssertCorrect(conn, Toast);
        // twice: the second scan finds the blocks where the first left them in shared buffers
        for (int i = 0; i < 2; i++)
        {
            var plan = PageReaderTests.ExplainAnalyze(conn, PageReaderTests.Aggregate);
            long pages = PageReaderTests.Figure(plan, "Pages Served") ?? -1;
            long messages = PageReaderTests.Figure(plan, "Page Messages") ?? -1;
            Assert.True(pages > 1000, string.Join('\n', plan));
            // a PAGE_RUN holds at most a quarter of the session quota: 32 pages, 64 with long runs
            int cap = (tuning & LongRuns) != 0 ? 64 : 32;
            Assert.True(messages * cap >= pages, $"{messages} PAGE_RUNs for {pages} pages, runs of at most {cap}\n{string.Join('\n', plan)}");
            long? found = PageReaderTests.Figure(plan, "Pages Found After the Previous Buffer");
            if ((tuning & NextBuffer) != 0)
                Assert.InRange(found ?? -1, 0, pages);
            else
                Assert.Null(found);
        }
        db.AssertNoLeakedSlotsOrPages();
    }

    [Fact]
    public void Serializable_scans_give_PostgreSQLs_results_with_every_measure_on()
    {
        using var conn = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error; SET pg_fusion.serve_tuning = 1023");
        using (var tx = conn.BeginTransaction(System.Data.IsolationLevel.Serializable))
        {
            foreach (var sql in PageReaderTests.Queries)
                PageReaderTests.AssertCorrect(conn, sql);
            tx.Commit();
        }
        db.AssertNoLeakedSlotsOrPages();
    }
}
