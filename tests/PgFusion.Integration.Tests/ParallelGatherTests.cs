using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// pg_fusion.worker_threads over pipelines that do not end in an aggregate: a hash join's build
/// input filtered from a big scan, a sort's input, and rows returned to the client straight from a
/// join. The threads' batches are gathered in scan order, so one and two threads return the same
/// rows in the same order, PostgreSQL's rows, and raise the error PostgreSQL raises. The build
/// side here is pj_fact filtered to a few thousand rows (b), probed by the whole pj_fact (a).
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class ParallelGatherTests : IClassFixture<HookDatabase>
{
    private readonly HookDatabase db;
    private readonly ThreadedRuns runs;

    public ParallelGatherTests(HookDatabase db)
    {
        this.db = db;
        runs = new ThreadedRuns(db);
        using var conn = db.Open();
        PgServer.Execute(conn, """
            CREATE TABLE IF NOT EXISTS pg_gather_fact AS
            SELECT i AS id, CASE WHEN i % 13 = 0 THEN NULL ELSE i % 1200 END AS k, i % 40 AS c,
                   (i % 1000)::numeric(12,2) / 7 AS n, 'v' || (i % 900) AS s
            FROM generate_series(1, 200000) i;
            CREATE TABLE IF NOT EXISTS pg_gather_dim AS
            SELECT j AS k, 'cat' || (j % 7) AS cat FROM generate_series(1, 1200) j;
            CREATE TABLE IF NOT EXISTS pg_gather_cust (k int PRIMARY KEY, name text, bal numeric(12,2));
            INSERT INTO pg_gather_cust SELECT j, 'cust' || j, j / 3.0 FROM generate_series(1, 1200) j ON CONFLICT DO NOTHING;
            ANALYZE pg_gather_fact; ANALYZE pg_gather_dim; ANALYZE pg_gather_cust;
            """);
    }

    private const string BuildJoin =
        "SELECT a.c, count(*), sum(a.n + b.n), min(b.s), max(b.id) FROM pg_gather_fact a JOIN pg_gather_fact b ON a.k = b.k WHERE b.id % 50 = 0 GROUP BY a.c ORDER BY 1";

    public static TheoryData<string> Queries => new()
    {
        // the build input (b) is a filtered scan of 200k rows with NULL keys among the kept rows
        BuildJoin,
        // a build input that is itself a join (its own build read first), filtered
        "SELECT a.c, count(*), sum(a.n) FROM pg_gather_fact a JOIN (SELECT b.k, d.cat FROM pg_gather_fact b JOIN pg_gather_dim d ON d.k = b.k WHERE b.id % 40 = 3) x ON x.k = a.k GROUP BY a.c ORDER BY 1",
        // left join: the build side's NULL keys never match, probe rows without a match are NULL-extended
        "SELECT a.c, count(*), count(b.id), sum(b.n) FROM pg_gather_fact a LEFT JOIN pg_gather_fact b ON a.k = b.k AND b.id % 97 = 5 GROUP BY a.c ORDER BY 1",
        // empty build sides: the filter keeps nothing (inner: no rows; left: every row NULL-extended; NOT IN over nothing keeps all)
        "SELECT count(*), sum(a.n) FROM pg_gather_fact a JOIN pg_gather_fact b ON a.k = b.k WHERE b.id % 50 = 0 AND b.id < 0",
        "SELECT count(*), count(b.id), sum(a.n) FROM pg_gather_fact a LEFT JOIN pg_gather_fact b ON a.k = b.k AND b.id % 50 = 0 AND b.id < 0",
        "SELECT count(*), sum(a.n) FROM pg_gather_fact a WHERE a.k NOT IN (SELECT b.k FROM pg_gather_fact b WHERE b.id % 50 = 0 AND b.id < 0)",
        // NOT IN over a filtered build input holding a NULL (b.id = 650): nothing is kept; without NULLs the non-members are
        "SELECT count(*), sum(a.n) FROM pg_gather_fact a WHERE a.k NOT IN (SELECT b.k FROM pg_gather_fact b WHERE b.id % 50 = 0)",
        "SELECT count(*), sum(a.n), min(a.k) FROM pg_gather_fact a WHERE a.k NOT IN (SELECT b.k FROM pg_gather_fact b WHERE b.id % 50 = 0 AND b.k IS NOT NULL)",
        // a join returned without an aggregate, through a sort (ties broken by the full row) and straight to the client
        "SELECT a.id, b.id, b.s FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k JOIN pg_gather_fact b ON b.id = a.id + 1 WHERE a.id % 1000 < 3 AND d.cat = 'cat2' ORDER BY a.id, b.id",
        "SELECT a.id, a.k, d.cat FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k WHERE a.id > 195000 ORDER BY d.cat, a.id",
        // an aggregate that does not merge (first values of the columns grouped by the primary key, as Q10): its input is gathered
        "SELECT c.k, c.name, c.bal, sum(a.n), count(*) FROM pg_gather_fact a JOIN pg_gather_cust c ON c.k = a.k WHERE a.id % 3 = 1 GROUP BY c.k ORDER BY 4 DESC, 1 LIMIT 30",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void One_and_two_threads_give_PostgreSQLs_rows(string sql)
    {
        runs.AssertSerialAndParallelMatchPostgres(sql);
    }

    [Theory]
    // ties in the sort key: the sort is stable over its input, so the gathered order decides; it must be the serial order
    [InlineData("SELECT a.c, a.id, d.cat FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k WHERE a.id > 150000 ORDER BY a.c LIMIT 3000")]
    // no ORDER BY: the client gets the rows in the order the threads' batches are gathered (scan order)
    [InlineData("SELECT a.id, a.s, d.cat FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k WHERE a.id > 185000")]
    // string_agg without ORDER BY concatenates in input order: the gathered aggregate input must be in the serial order
    [InlineData("SELECT d.cat, string_agg(a.s, ',') FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k WHERE a.id > 190000 GROUP BY d.cat ORDER BY 1")]
    public void Two_threads_return_the_rows_in_the_serial_order(string sql)
    {
        using var serial = runs.OpenFusion(1);
        using var parallel = runs.OpenFusion(2);
        string one = ResultText.Run(serial, sql);
        for (int run = 0; run < 3; run++)
        {
            string two = ResultText.Run(parallel, sql);
            Assert.True(one == two, ResultText.FirstDifference(one, two));
        }
    }

    [Theory]
    [InlineData(BuildJoin, @"gather in scan order \(hash join build input\) over scan of pg_gather_fact: 2 threads")]
    // the dimension table is built, the filtered fact table probes it on two threads
    [InlineData("SELECT a.id, a.k, d.cat FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k WHERE a.id > 195000 ORDER BY d.cat, a.id",
        @"gather in scan order \(sort input\) over scan of pg_gather_fact, 1 hash join probe: 2 threads")]
    [InlineData("SELECT a.id, a.s, d.cat FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k WHERE a.id > 185000",
        @"gather in scan order \(result rows\) over scan of pg_gather_fact, 1 hash join probe: 2 threads")]
    [InlineData("SELECT d.cat, string_agg(a.s, ',') FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k WHERE a.id > 190000 GROUP BY d.cat ORDER BY 1",
        @"gather in scan order \(aggregate input\) over scan of pg_gather_fact, 1 hash join probe: 2 threads")]
    public void Explain_analyze_names_the_pipelines_that_ran_on_two_threads(string sql, string pattern)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            using var conn = runs.OpenFusion(threads);
            string text = PgServer.Text(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql);
            if (threads == 2) Assert.Matches("Parallel Pipeline: " + pattern, text);
            else Assert.DoesNotContain("Parallel Pipeline", text);
        }
    }

    public static TheoryData<string> FailingQueries => new()
    {
        // a division by zero in the build input's filter, on a late page
        "SELECT count(*) FROM pg_gather_fact a JOIN pg_gather_fact b ON a.k = b.k WHERE b.id % 50 = 0 AND 10 / (b.id - 150000) > -100",
        // two errors in the build input: an int4 overflow early (id 1000), a division by zero late (id 190000); the first is raised
        "SELECT count(*) FROM pg_gather_fact a JOIN pg_gather_fact b ON a.k = b.k WHERE b.id % 50 = 0 AND (CASE WHEN b.id = 1000 THEN b.id * 3000000 ELSE 10 / (b.id - 190000) END) > -100",
        // an error in the rows of a join returned to the client
        "SELECT a.id, 100 / (a.id - 180008) FROM pg_gather_fact a JOIN pg_gather_dim d ON d.k = a.k WHERE a.id > 175000",
    };

    [Theory]
    [MemberData(nameof(FailingQueries))]
    public void An_error_in_a_gathered_pipeline_is_the_one_PostgreSQL_raises(string sql)
    {
        runs.AssertErrorsAsTheSerialRun(sql, BuildJoin);
    }
}
