using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// A table whose all-visible pages hold every kind of line pointer: HOT chains pruned into
/// LP_REDIRECT items (PD_HAS_FREE_LINES clear: served by the line range of serve_tuning bit 64),
/// and rows deleted and vacuumed into LP_UNUSED items (PD_HAS_FREE_LINES set: the per-item loop).
/// </summary>
public sealed class LineRangeDatabase : TestDatabase
{
    public LineRangeDatabase()
        : base("pgfusion_line_range_test")
    {
        using var conn = Open();
        PgServer.Execute(conn, """
            CREATE EXTENSION IF NOT EXISTS pageinspect;
            DROP TABLE IF EXISTS lr;
            CREATE TABLE lr (id int4, v numeric(12,2), s varchar(20)) WITH (fillfactor = 60, autovacuum_enabled = off);
            INSERT INTO lr SELECT g, g * 0.5, 'row ' || (g % 97) FROM generate_series(1, 90000) g;
            """);
        PgServer.Execute(conn, "VACUUM lr");
        // no index: HOT updates, whose pruning leaves the root line pointer redirecting to the new version
        PgServer.Execute(conn, "UPDATE lr SET v = v + 1000 WHERE id % 7 = 0");
        PgServer.Execute(conn, "DELETE FROM lr WHERE id > 60000 AND id % 3 = 0");
        PgServer.Execute(conn, "VACUUM ANALYZE lr");
    }
}

/// <summary>
/// pg_fusion.serve_tuning bit 64 (docs/ipc.md 6.2, measure 6): an all-visible page without free
/// line pointers goes to the worker as line pointers 1..max, unread; the worker must skip the
/// redirects and unused ones itself. PostgreSQL on the same connection is the oracle, with the bit
/// and without, in shared and copy transfer, and under a snapshot older than rows inserted into
/// the vacuumed pages' free line pointers.
/// </summary>
public sealed class LineRangeTests(LineRangeDatabase db) : IClassFixture<LineRangeDatabase>
{
    private static readonly string[] Queries =
    [
        "SELECT count(*), sum(v), min(id), max(id), count(DISTINCT s) FROM lr",
        "SELECT id % 10 AS b, count(*), sum(v) FROM lr WHERE v > 100 GROUP BY 1 ORDER BY 1",
        "SELECT id, v, s FROM lr WHERE id % 1001 = 0 OR v BETWEEN 2000 AND 2010 ORDER BY id",
    ];

    private NpgsqlConnection OpenFusion(string transfer, int tuning)
    {
        if (!db.FusionAvailable)
            Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        var conn = db.Open();
        PgServer.Execute(conn, $"""
            SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error; SET pg_fusion.page_readers = 0;
            SET pg_fusion.page_transfer = {transfer}; SET pg_fusion.serve_tuning = {tuning}
            """);
        return conn;
    }

    [Fact]
    public void The_table_has_all_visible_pages_with_redirects_and_with_free_line_pointers()
    {
        using var conn = db.Open();
        // pd_flags: PD_HAS_FREE_LINES 0x1, PD_ALL_VISIBLE 0x4; lp_flags 2 = LP_REDIRECT
        const string pages = """
            SELECT count(*) FILTER (WHERE flags & 5 = 4 AND redirects > 0) || '/' || count(*) FILTER (WHERE flags & 5 = 5)
            FROM (SELECT (page_header(get_raw_page('lr', b::int))).flags,
                         (SELECT count(*) FROM heap_page_items(get_raw_page('lr', b::int)) WHERE lp_flags = 2) AS redirects
                  FROM generate_series(0, pg_relation_size('lr') / 8192 - 1) b) p
            """;
        var counts = ((string)PgServer.Scalar(conn, pages)!).Split('/');
        Assert.True(long.Parse(counts[0]) > 100, $"all-visible pages with redirects and no free line pointers: {counts[0]}");
        Assert.True(long.Parse(counts[1]) > 50, $"all-visible pages with free line pointers: {counts[1]}");
    }

    [Theory]
    [InlineData("shared", 127)]
    [InlineData("shared", 63)]
    [InlineData("copy", 127)]
    public void Results_are_PostgreSQLs(string transfer, int tuning)
    {
        using var conn = OpenFusion(transfer, tuning);
        foreach (var sql in Queries)
            PageReaderTests.AssertCorrect(conn, sql);
        db.AssertNoLeakedSlotsOrPages();
    }

    [Fact]
    public void An_older_snapshot_does_not_see_rows_inserted_into_free_line_pointers()
    {
        using var conn = OpenFusion("shared", 127);
        using var tx = conn.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        string before = ResultText.Run(conn, Queries[0]);
        using (var other = db.Open())
        {
            // fills the vacuumed pages' LP_UNUSED line pointers (and clears their PD_ALL_VISIBLE)
            PgServer.Execute(other, "INSERT INTO lr SELECT g, -g, 'new' FROM generate_series(60003, 90000, 3) g");
        }
        foreach (var sql in Queries)
            PageReaderTests.AssertCorrect(conn, sql);
        Assert.Equal(before, ResultText.Run(conn, Queries[0]));
        tx.Commit();
        // the inserted rows go again, for the other tests' fixed contents
        PgServer.Execute(conn, "DELETE FROM lr WHERE s = 'new'");
        PgServer.Execute(conn, "VACUUM lr");
    }
}
