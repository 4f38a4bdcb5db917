using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// The index probe's walk along btree leaves (native/pg_hooks/probe_leaf.c,
/// `pg_fusion.probe_leaf_walk`) against the index access method it replaces and against
/// PostgreSQL: keys a few to a leaf (the walk stays on a leaf, steps right, or descends), keys
/// whose items span several leaves (posting lists, the high key equal to the key), NULL keys at
/// the end of the index, int2/int4/int8 index columns, a multi-column index, a DESC index (the
/// walk does not apply), dead and updated rows (HOT chains, moved keys), and changes of an
/// uncommitted transaction. With the walk on and off the rows must come back identical, in the
/// same order without ORDER BY, and equal to PostgreSQL's. The walk's heap fetches run three ways,
/// each giving the same rows in the same order: pinned and prefetched ahead with the buffer guess
/// (`pg_fusion.serve_tuning` bits 16 and 32, the default), ahead without the guess (16), and one
/// at a time through the table AM (neither).
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class ProbeLeafWalkTests : IClassFixture<HookDatabase>
{
    private readonly HookDatabase db;

    public ProbeLeafWalkTests(HookDatabase db)
    {
        this.db = db;
        using var conn = db.Open();
        // plw_inner: ~16 rows a page (a wide pad), keys k4 = id / 4 in heap order (correlated, so the
        // probe is cheap), key 7 with 3,000 more rows (its items span leaves), 200 NULL keys
        PgServer.Execute(conn, """
            CREATE TABLE IF NOT EXISTS plw_inner AS
            SELECT j AS id, (j / 4)::int4 AS k4, ((j / 4) % 30000)::int2 AS k2, (j / 4)::int8 * 1000003 AS k8,
                   j % 5 AS x, j % 7 AS y, 'i' || j AS s, repeat('p', 400) AS pad
            FROM generate_series(1, 160000) j
            UNION ALL SELECT 200000 + j, 7, 7, 7 * 1000003, j % 5, j % 7, 'dup' || j, repeat('p', 400) FROM generate_series(1, 3000) j
            UNION ALL SELECT 300000 + j, NULL, NULL, NULL, 1, 2, 'null' || j, repeat('p', 400) FROM generate_series(1, 200) j;
            CREATE INDEX IF NOT EXISTS plw_inner_k4 ON plw_inner (k4);
            CREATE INDEX IF NOT EXISTS plw_inner_k2 ON plw_inner (k2, id);
            CREATE INDEX IF NOT EXISTS plw_inner_k8 ON plw_inner (k8 DESC);
            CREATE TABLE IF NOT EXISTS plw_outer AS
            SELECT i AS id, CASE WHEN i % 23 = 0 THEN NULL ELSE ((i * 7919) % 41000)::int4 END AS a, i % 9 AS c
            FROM generate_series(1, 30000) i;
            ANALYZE plw_inner; ANALYZE plw_outer;
            """);
    }

    public static TheoryData<string> Queries => new()
    {
        // inner join on int4: ~700 keys over the whole index, 1-4 a leaf, key 7's 3,004 rows, keys above the last
        "SELECT o.id, o.a, i.id, i.s FROM plw_outer o JOIN plw_inner i ON i.k4 = o.a WHERE o.id % 41 = 3 OR o.id = 7 * 7919 % 41000",
        "SELECT o.c, count(*), sum(i.x), min(i.s), max(i.id) FROM plw_outer o JOIN plw_inner i ON i.k4 = o.a WHERE o.id % 13 = 1 GROUP BY o.c ORDER BY 1",
        // dense keys: consecutive keys on one leaf
        "SELECT o.a, i.id FROM plw_outer o JOIN plw_inner i ON i.k4 = o.a WHERE o.id BETWEEN 100 AND 400",
        // semi and anti joins with a first-match condition (plain columns), and without one
        "SELECT o.c, count(*) FROM plw_outer o WHERE o.id % 29 = 2 AND EXISTS (SELECT 1 FROM plw_inner i WHERE i.k4 = o.a AND i.x < i.y) GROUP BY o.c ORDER BY 1",
        "SELECT o.id FROM plw_outer o WHERE o.id % 37 = 5 AND NOT EXISTS (SELECT 1 FROM plw_inner i WHERE i.k4 = o.a AND i.x > 3)",
        // int2 leading column of a two-column index (items of a key ordered by id)
        "SELECT o.id, i.id, i.k2 FROM plw_outer o JOIN plw_inner i ON i.k2 = o.a WHERE o.id % 47 = 6",
        // a DESC index: the index access method as before
        "SELECT o.id, i.id FROM plw_outer o JOIN plw_inner i ON i.k8 = o.a::int8 * 1000003 WHERE o.id % 53 = 4",
    };

    /// <summary>serve_tuning without bit 32 (the probe's buffer guess), and without 16 and 32 (no pinning ahead).</summary>
    private const int AheadWithoutGuess = 31;
    private const int OneAtATime = 15;

    private NpgsqlConnection OpenFusion()
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        var conn = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error");
        return conn;
    }

    private static string Explain(NpgsqlConnection conn, string sql) => PgServer.Text(conn, "EXPLAIN (COSTS OFF) " + sql);

    private static string Sorted(string result) => string.Join('\n', result.Split('\n').Order(StringComparer.Ordinal));

    /// <summary>On one connection (one transaction's view): the walk, the index AM, PostgreSQL.</summary>
    private static void AssertWalkMatchesAccessMethodAndPostgres(NpgsqlConnection conn, string sql)
    {
        Assert.Contains("Index Probe Join", Explain(conn, sql), StringComparison.Ordinal);
        PgServer.Execute(conn, "SET pg_fusion.probe_leaf_walk = on");
        string walk = ResultText.Run(conn, sql);
        foreach (int tuning in new[] { AheadWithoutGuess, OneAtATime })
        {
            PgServer.Execute(conn, $"SET pg_fusion.serve_tuning = {tuning}");
            string other = ResultText.Run(conn, sql);
            PgServer.Execute(conn, "RESET pg_fusion.serve_tuning");
            Assert.True(walk == other, $"{sql}\nserve_tuning default vs {tuning}: {ResultText.FirstDifference(other, walk)}");
        }
        PgServer.Execute(conn, "SET pg_fusion.probe_leaf_walk = off");
        string am = ResultText.Run(conn, sql);
        Assert.True(walk == am, $"{sql}\nwalk vs index AM: {ResultText.FirstDifference(am, walk)}");
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        string off = ResultText.Run(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.enable = on; SET pg_fusion.probe_leaf_walk = on");
        Assert.True(Sorted(off) == Sorted(walk), $"{sql}\nwalk vs PostgreSQL: {ResultText.FirstDifference(Sorted(off), Sorted(walk))}");
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public void The_walk_returns_the_index_access_methods_rows_in_its_order(string sql)
    {
        using var conn = OpenFusion();
        AssertWalkMatchesAccessMethodAndPostgres(conn, sql);
    }

    [Fact]
    public void Dead_updated_and_uncommitted_rows_are_seen_as_by_the_index_access_method()
    {
        const string sql = "SELECT o.id, o.a, i.id, i.s, i.x FROM plw_outer o JOIN plw_inner i ON i.k4 = o.a WHERE o.id % 41 = 3 OR o.id = 7 * 7919 % 41000";
        using var conn = OpenFusion();
        using var other = db.Open();
        PgServer.Execute(conn, "BEGIN");
        PgServer.Execute(other, "BEGIN");
        try
        {
            // committed in this transaction: deletes (dead items), same-key updates (HOT or not), moved keys
            PgServer.Execute(conn, """
                DELETE FROM plw_inner WHERE k4 % 3 = 0 AND id % 2 = 0;
                UPDATE plw_inner SET x = x + 10 WHERE k4 % 5 = 1;
                UPDATE plw_inner SET k4 = k4 + 1 WHERE k4 % 11 = 2 AND id % 4 = 1;
                DELETE FROM plw_inner WHERE k4 = 7 AND id % 3 = 0;
                """);
            // uncommitted elsewhere: invisible (new items split leaves); rows this transaction has not locked
            PgServer.Execute(other, """
                INSERT INTO plw_inner SELECT 400000 + g, (g * 13) % 41000, 0, 0, 0, 0, 'new', repeat('n', 50) FROM generate_series(1, 20000) g;
                DELETE FROM plw_inner WHERE k4 % 3 = 1 AND k4 % 5 <> 1 AND k4 % 11 <> 2 AND k4 <> 7 AND id % 7 = 3;
                """);
            AssertWalkMatchesAccessMethodAndPostgres(conn, sql);
        }
        finally
        {
            PgServer.Execute(other, "ROLLBACK");
            PgServer.Execute(conn, "ROLLBACK");
        }
    }
}
