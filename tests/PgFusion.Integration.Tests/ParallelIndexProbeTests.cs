using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// Index-probe joins whose outer input is a filtered scan big enough to be gathered from two
/// threads (pg_fusion.worker_threads = 2): the gather's threads receive the scan's pages and the
/// probe's pages while the session thread sends the outer keys to the backend in chunks. One and
/// two threads must return PostgreSQL's rows, in the serial order when there is no ORDER BY, and
/// raise the error PostgreSQL raises. The outer table (pg_ipx_outer, 200k rows, ~1,300 pages) is
/// filtered to a few hundred or thousand rows whose keys probe pg_ipx_inner's index on k.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class ParallelIndexProbeTests : IClassFixture<HookDatabase>
{
    private readonly HookDatabase db;
    private readonly ThreadedRuns runs;

    public ParallelIndexProbeTests(HookDatabase db)
    {
        this.db = db;
        runs = new ThreadedRuns(db);
        using var conn = db.Open();
        PgServer.Execute(conn, """
            CREATE TABLE IF NOT EXISTS pg_ipx_outer AS
            SELECT i AS id, CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7919) % 300000 END AS k, i % 40 AS c,
                   (i % 1000)::numeric(12,2) / 7 AS n, 'o' || (i % 900) AS s
            FROM generate_series(1, 200000) i;
            CREATE TABLE IF NOT EXISTS pg_ipx_inner AS
            SELECT j AS id, j % 300000 AS k, (j % 97)::numeric(12,2) AS n, 'i' || j AS s, date '1995-01-01' + (j % 400) AS d1, date '1995-01-01' + (j % 377) AS d2
            FROM generate_series(1, 600000) j;
            CREATE INDEX IF NOT EXISTS pg_ipx_inner_k ON pg_ipx_inner (k);
            ANALYZE pg_ipx_outer; ANALYZE pg_ipx_inner;
            """);
    }

    // half of the outer table: about 500 estimated keys, well inside the probe's cost (each of the
    // ~2 inner rows a key a page of its own, perf/index-probe-cost-2026-12-01.md)
    private const string InnerJoin =
        "SELECT a.c, count(*), sum(a.n + b.n), min(b.s), max(b.id) FROM pg_ipx_outer a JOIN pg_ipx_inner b ON b.k = a.k WHERE a.id % 97 = 5 AND a.id <= 100000 GROUP BY a.c ORDER BY 1";

    public static TheoryData<string> Queries => new()
    {
        // inner join: every inner row of each key, outer keys with NULLs among the kept rows
        InnerJoin,
        // semi join with a first-match condition pushed to the backend, and without one (the residual compares both sides)
        "SELECT a.c, count(*), sum(a.n) FROM pg_ipx_outer a WHERE a.id % 61 = 3 AND EXISTS (SELECT 1 FROM pg_ipx_inner b WHERE b.k = a.k AND b.d1 < b.d2) GROUP BY a.c ORDER BY 1",
        "SELECT a.c, count(*), sum(a.n) FROM pg_ipx_outer a WHERE a.id % 61 = 3 AND EXISTS (SELECT 1 FROM pg_ipx_inner b WHERE b.k = a.k AND b.id <> a.id) GROUP BY a.c ORDER BY 1",
        // anti join: outer rows without a partner (keys above 200k never match: j % 300000 covers them only through j > 300000)
        "SELECT a.c, count(*), sum(a.n) FROM pg_ipx_outer a WHERE a.id % 61 = 3 AND NOT EXISTS (SELECT 1 FROM pg_ipx_inner b WHERE b.k = a.k AND b.d1 > b.d2) GROUP BY a.c ORDER BY 1",
        // a filter that keeps nothing: no key, no probe
        "SELECT count(*), sum(b.n) FROM pg_ipx_outer a JOIN pg_ipx_inner b ON b.k = a.k WHERE a.id % 97 = 5 AND a.id < 0",
        // rows returned sorted with ties (the sort is stable over the buffered outer order)
        "SELECT a.c, a.id, b.id, b.s FROM pg_ipx_outer a JOIN pg_ipx_inner b ON b.k = a.k WHERE a.id % 211 = 1 ORDER BY a.c, a.id, b.id",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void One_and_two_threads_give_PostgreSQLs_rows(string sql)
    {
        runs.AssertSerialAndParallelMatchPostgres(sql);
    }

    [Fact]
    public void Two_threads_return_the_rows_in_the_serial_order()
    {
        // no ORDER BY: the join's output follows the buffered outer batches, which the gather keeps in scan order
        const string sql = "SELECT a.id, a.k, b.id, b.s FROM pg_ipx_outer a JOIN pg_ipx_inner b ON b.k = a.k WHERE a.id % 53 = 2";
        using var serial = runs.OpenFusion(1);
        using var parallel = runs.OpenFusion(2);
        string one = ResultText.Run(serial, sql);
        for (int run = 0; run < 3; run++)
        {
            string two = ResultText.Run(parallel, sql);
            Assert.True(one == two, ResultText.FirstDifference(one, two));
        }
    }

    [Fact]
    public void Explain_analyze_shows_the_probe_and_its_outer_input_on_two_threads()
    {
        foreach (int threads in new[] { 1, 2 })
        {
            using var conn = runs.OpenFusion(threads);
            string text = PgServer.Text(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + InnerJoin);
            Assert.Contains("Index Probe Join Inner using pg_ipx_inner_k", text, StringComparison.Ordinal);
            const string pipeline = "Parallel Pipeline: gather in scan order (index probe join outer input) over scan of pg_ipx_outer: 2 threads";
            if (threads == 2) Assert.Contains(pipeline, text, StringComparison.Ordinal);
            else Assert.DoesNotContain("Parallel Pipeline", text, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> FailingQueries => new()
    {
        // a division by zero in the outer input's filter on a late page, after chunks of keys went to the probe
        "SELECT count(*) FROM pg_ipx_outer a JOIN pg_ipx_inner b ON b.k = a.k WHERE a.id % 97 = 5 AND 10 / (a.id - 180037) > -100",
        // two errors: an int4 overflow early (id 975), a division by zero late; the first is raised
        "SELECT count(*) FROM pg_ipx_outer a JOIN pg_ipx_inner b ON b.k = a.k WHERE a.id % 97 = 5 AND (CASE WHEN a.id = 975 THEN a.id * 3000000 ELSE 10 / (a.id - 189931) END) > -100",
    };

    [Theory]
    [MemberData(nameof(FailingQueries))]
    public void An_error_in_the_outer_input_is_the_one_PostgreSQL_raises(string sql)
    {
        runs.AssertErrorsAsTheSerialRun(sql, InnerJoin);
    }
}
