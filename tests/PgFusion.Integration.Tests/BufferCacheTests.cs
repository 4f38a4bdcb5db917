using Npgsql;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// The backend reads a relation's pages for pg_fusion as PostgreSQL's own sequential scan does:
/// one smaller than a quarter of shared_buffers through the normal buffer pool, so it stays cached
/// for the next query, not through the 256 kB bulk-read ring. PostgreSQL is the oracle: after a
/// VACUUM FULL (which writes the new pages around shared buffers), its own scan and pg_fusion's
/// must leave the same number of the table's pages in shared buffers.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class BufferCacheTests : IClassFixture<HookDatabase>
{
    private const string Table = "cache_t";
    private readonly HookDatabase db;

    public BufferCacheTests(HookDatabase db)
    {
        this.db = db;
        using var conn = db.Open();
        PgServer.Execute(conn, $"""
            CREATE EXTENSION IF NOT EXISTS pg_buffercache;
            CREATE TABLE IF NOT EXISTS {Table} AS
            SELECT i AS id, i % 97 AS g, repeat('x', 40) AS pad FROM generate_series(1, 150000) i;
            ANALYZE {Table};
            """);
    }

    /// <summary>
    /// Rewrites the table (no page of the new file is in shared buffers), scans it, and returns the
    /// scan's result and how many of the table's pages are cached after it.
    /// </summary>
    private static (string Sum, long Cached) CachedAfterScan(NpgsqlConnection conn, bool fusion)
    {
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        PgServer.Execute(conn, $"VACUUM FULL {Table}");
        Assert.Equal(0L, CachedPages(conn));
        PgServer.Execute(conn, $"SET pg_fusion.enable = {(fusion ? "on" : "off")}; SET pg_fusion.on_unsupported = error; SET max_parallel_workers_per_gather = 0");
        var sum = Convert.ToString(PgServer.Scalar(conn, $"SELECT sum(g) FROM {Table}"), System.Globalization.CultureInfo.InvariantCulture)!;
        return (sum, CachedPages(conn));
    }

    private static long CachedPages(NpgsqlConnection conn)
    {
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        return Convert.ToInt64(PgServer.Scalar(conn, $"""
            SELECT count(*) FROM pg_buffercache
            WHERE relfilenode = pg_relation_filenode('{Table}') AND relforknumber = 0
              AND reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
            """));
    }

    [Fact]
    public void SmallTableStaysCachedAsAfterPostgresSeqScan()
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        var pages = Convert.ToInt64(PgServer.Scalar(conn, $"SELECT pg_relation_size('{Table}') / current_setting('block_size')::int"));
        var quarter = Convert.ToInt64(PgServer.Scalar(conn, "SELECT setting::bigint / 4 FROM pg_settings WHERE name = 'shared_buffers'"));
        Assert.True(pages > 64 && pages <= quarter, $"the table has {pages} pages; the test needs more than the bulk-read ring (32) and at most a quarter of shared_buffers ({quarter})");

        var postgres = CachedAfterScan(conn, fusion: false);
        var fusion = CachedAfterScan(conn, fusion: true);

        Assert.Equal(postgres.Sum, fusion.Sum);
        Assert.Equal(pages, postgres.Cached);
        Assert.Equal(postgres.Cached, fusion.Cached);
    }
}
