using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// The checks the pg_fusion.worker_threads tests share: a query's result with pg_fusion off (the
/// oracle), on with one thread and on with several must be equal, and an error raised on a worker
/// thread must reach the client as the serial run raises it, leaving the session healthy.
/// </summary>
internal sealed class ThreadedRuns(HookDatabase db)
{
    public NpgsqlConnection OpenFusion(int threads, string workMem = "-1")
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        var conn = db.Open();
        PgServer.Execute(conn, $"SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error; SET pg_fusion.worker_threads = {threads}; SET pg_fusion.work_mem = '{workMem}'");
        return conn;
    }

    public string Off(string sql)
    {
        using var conn = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        return ResultText.Run(conn, sql);
    }

    /// <summary>Off, one thread, and two threads three times: one result.</summary>
    public void AssertSerialAndParallelMatchPostgres(string sql)
    {
        string off = Off(sql);
        using var serial = OpenFusion(1);
        using var parallel = OpenFusion(2);
        string one = ResultText.Run(serial, sql);
        Assert.True(off == one, ResultText.FirstDifference(off, one));
        for (int run = 0; run < 3; run++)
        {
            string two = ResultText.Run(parallel, sql);
            Assert.True(off == two, ResultText.FirstDifference(off, two));
        }
    }

    /// <summary>Four threads sharing a 64 kB operator budget (partials stop early, joins spill) still give PostgreSQL's result.</summary>
    public void AssertTinyBudgetMatchesPostgres(string sql)
    {
        string off = Off(sql);
        using var conn = OpenFusion(4, "64kB");
        string on = ResultText.Run(conn, sql);
        Assert.True(off == on, ResultText.FirstDifference(off, on));
    }

    /// <summary>
    /// PostgreSQL without parallel workers scans in page order and raises the earliest row's
    /// error; one and two threads must raise the same, three times each, and then answer
    /// <paramref name="healthySql"/> right (no pool page, scan or thread left behind).
    /// </summary>
    public void AssertErrorsAsTheSerialRun(string sql, string healthySql)
    {
        using var reference = db.Open();
        PgServer.Execute(reference, "SET pg_fusion.enable = off; SET max_parallel_workers_per_gather = 0");
        var expected = Assert.Throws<PostgresException>(() => ResultText.Run(reference, sql));
        foreach (int threads in new[] { 1, 2 })
        {
            using var conn = OpenFusion(threads);
            for (int run = 0; run < 3; run++)
            {
                var e = Assert.Throws<PostgresException>(() => ResultText.Run(conn, sql));
                Assert.Equal(expected.SqlState, e.SqlState);
                Assert.Equal(expected.MessageText, e.MessageText);
            }
            Assert.Equal(Off(healthySql), ResultText.Run(conn, healthySql));
        }
    }
}
