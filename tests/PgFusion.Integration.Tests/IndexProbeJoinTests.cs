using System.Diagnostics;
using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>A table with a btree index on an int4 column and a small outer table: joins between them take the index-probe path.</summary>
public sealed class IndexProbeDatabase : TestDatabase
{
    public IndexProbeDatabase()
        : base("pgfusion_index_probe_test")
    {
        using var conn = Open();
        PgServer.Execute(conn, """
            DROP TABLE IF EXISTS probe_inner, probe_outer;
            CREATE TABLE probe_inner (id int8 PRIMARY KEY, k int4, v text);
            INSERT INTO probe_inner SELECT g, g % 2000, 'v' || g FROM generate_series(1, 40000) g;
            CREATE INDEX probe_inner_k ON probe_inner (k);
            CREATE TABLE probe_outer (a int4, tag text);
            INSERT INTO probe_outer VALUES (1, 'one'), (2, 'two'), (3, 'three'), (3, 'three again'), (NULL, 'null'), (5000, 'none');
            ANALYZE probe_inner;
            ANALYZE probe_outer;
            """);
    }
}

/// <summary>
/// Index-probe joins against PostgreSQL as the oracle where an slt file cannot reach: changes of
/// other transactions (uncommitted, committed after a repeatable-read snapshot) and cancellation
/// while the backend probes the index.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class IndexProbeJoinTests(IndexProbeDatabase db) : IClassFixture<IndexProbeDatabase>
{
    private const string Query = "SELECT o.tag, i.id, i.k, i.v FROM probe_outer o JOIN probe_inner i ON i.k = o.a ORDER BY o.tag, i.id";
    private const string SemiQuery = "SELECT o.tag FROM probe_outer o WHERE EXISTS (SELECT 1 FROM probe_inner i WHERE i.k = o.a AND i.id % 3 = 0) ORDER BY o.tag";

    private NpgsqlConnection OpenFusion()
    {
        if (!db.FusionAvailable)
            Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}: the index-probe join cannot be tested");
        var conn = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error");
        return conn;
    }

    private static string Explain(NpgsqlConnection conn, string sql) => PgServer.Text(conn, "EXPLAIN " + sql);

    /// <summary>Offloaded through the index, and equal to PostgreSQL's result on the same connection (same transaction and snapshot rules).</summary>
    private static void AssertProbedAndCorrect(NpgsqlConnection conn, string sql)
    {
        var plan = Explain(conn, sql);
        Assert.StartsWith("Custom Scan (PgFusionScan)", plan, StringComparison.Ordinal);
        Assert.Contains("Index Probe Join", plan, StringComparison.Ordinal);
        string on = ResultText.Run(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        string off = ResultText.Run(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.enable = on");
        Assert.True(off == on, $"{sql}\nwith pg_fusion: {ResultText.FirstDifference(off, on)}");
    }

    [Fact]
    public void Uncommitted_changes_of_another_transaction_are_invisible_and_committed_ones_visible()
    {
        using var conn = OpenFusion();
        using var other = db.Open();
        PgServer.Execute(other, "BEGIN");
        try
        {
            PgServer.Execute(other, """
                DELETE FROM probe_inner WHERE k = 1 AND id % 2 = 0;
                UPDATE probe_inner SET v = 'changed ' || v WHERE k = 2;
                UPDATE probe_inner SET k = 3 WHERE k = 4 AND id < 10000;
                INSERT INTO probe_inner SELECT 100000 + g, 3, 'new' FROM generate_series(1, 50) g;
                """);
            AssertProbedAndCorrect(conn, Query);
            AssertProbedAndCorrect(conn, SemiQuery);
            PgServer.Execute(other, "COMMIT");
            AssertProbedAndCorrect(conn, Query);
            AssertProbedAndCorrect(conn, SemiQuery);
        }
        finally
        {
            PgServer.Execute(other, "ROLLBACK");
        }
    }

    [Fact]
    public void A_repeatable_read_snapshot_does_not_see_later_commits()
    {
        using var conn = OpenFusion();
        using var other = db.Open();
        PgServer.Execute(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        try
        {
            string before = ResultText.Run(conn, Query); // takes the snapshot
            PgServer.Execute(other, "DELETE FROM probe_inner WHERE k = 2 AND id % 5 = 0; UPDATE probe_inner SET v = 'later ' || v WHERE k = 1");
            AssertProbedAndCorrect(conn, Query);
            Assert.Equal(before, ResultText.Run(conn, Query));
        }
        finally
        {
            PgServer.Execute(conn, "ROLLBACK");
        }
    }

    [Fact]
    public void Statement_timeout_stops_a_query_inside_an_index_probe_and_the_session_goes_on()
    {
        using var conn = OpenFusion();
        Assert.Contains("Index Probe Join", Explain(conn, Query), StringComparison.Ordinal);
        PgServer.Execute(conn, "SET pg_fusion.debug_fault = probe_sleep; SET statement_timeout = '300ms'");
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<PostgresException>(() => ResultText.Run(conn, Query));
        Assert.Equal(PostgresErrorCodes.QueryCanceled, e.SqlState);
        Assert.Contains("statement timeout", e.MessageText, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the timeout took {clock.Elapsed} to stop a 60 s stall");
        PgServer.Execute(conn, "RESET pg_fusion.debug_fault; RESET statement_timeout");
        AssertProbedAndCorrect(conn, Query);
    }
}
