using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// pg_fusion.worker_threads: an aggregate over a scan runs on several worker threads, each
/// decoding its own batches, and the partial aggregates merge. Every query here runs with
/// pg_fusion off (the oracle), on with one thread and on with two; the three results must be
/// equal, and errors raised on a worker thread reach the client as the serial run raises them.
/// The big table spans about 50 batches of 4096 rows, so both threads take many batches.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class ParallelTests : IClassFixture<HookDatabase>
{
    private const string Big = "par_big";
    private readonly HookDatabase db;
    private readonly ThreadedRuns runs;

    public ParallelTests(HookDatabase db)
    {
        this.db = db;
        runs = new ThreadedRuns(db);
        using var conn = db.Open();
        PgServer.Execute(conn, $"""
            CREATE TABLE IF NOT EXISTS {Big} AS
            SELECT i AS id, i % 97 AS g, (i % 1000)::numeric(12,2) / 7 AS n, ((i * 13) % 500)::numeric(12,2) AS m,
                   CASE WHEN i % 50000 = 7 THEN 'NaN'::numeric WHEN i % 70001 = 3 THEN 'Infinity'::numeric ELSE i::numeric / 3 END AS x,
                   CASE WHEN i % 11 = 0 THEN NULL ELSE i % 1000 END AS k, i::int8 * 100003 AS big,
                   'v' || (i % 313) AS s, i % 3 = 0 AS b, DATE '2020-01-01' + (i % 700) AS d
            FROM generate_series(1, 200000) i;
            CREATE TABLE IF NOT EXISTS par_empty (id int, g int, n numeric(12,2), s text);
            CREATE TABLE IF NOT EXISTS par_one AS SELECT i AS id, i % 3 AS g, i::numeric(12,2) AS n, 'w' || i AS s FROM generate_series(1, 10) i;
            ANALYZE {Big}; ANALYZE par_empty; ANALYZE par_one;
            """);
    }

    public static TheoryData<string> Queries => new()
    {
        $"SELECT count(*), sum(n), avg(n), min(n), max(n), sum(k), avg(k), min(s), max(s), bool_and(b), bool_or(b), sum(big), avg(big), min(d), max(d) FROM {Big}",
        $"SELECT g, count(*), count(k), sum(n), avg(m), min(s), max(d), sum(big) FROM {Big} WHERE id % 7 <> 3 GROUP BY g ORDER BY g",
        $"SELECT k % 10, count(*) FILTER (WHERE b), sum(n) FILTER (WHERE g > 50), max(s) FROM {Big} GROUP BY k % 10 ORDER BY 1 NULLS FIRST",
        $"SELECT sum(n * m), count(*), avg(n) FROM {Big} WHERE d >= DATE '2020-03-01' AND d < DATE '2021-01-01' AND n < 100",
        $"SELECT sum(x), avg(x), count(x) FROM {Big}",
        $"SELECT g % 5, sum(x), min(x), max(x) FROM {Big} WHERE id > 1000 GROUP BY g % 5 ORDER BY 1",
        $"SELECT s, sum(n + 1), count(*) FROM {Big} WHERE s LIKE 'v1%' GROUP BY s ORDER BY s",
        $"SELECT g, count(*) FROM {Big} GROUP BY g ORDER BY g LIMIT 3",
        $"SELECT count(*), sum(n), min(s) FROM {Big} WHERE id < 0",
        "SELECT count(*), sum(n), min(s), max(n) FROM par_empty",
        "SELECT g, count(*), sum(n) FROM par_empty GROUP BY g ORDER BY g",
        "SELECT count(*), sum(n), min(s), max(n) FROM par_one",
        "SELECT g, count(*), sum(n), max(s) FROM par_one GROUP BY g ORDER BY g",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void Two_threads_give_the_serial_result_and_PostgreSQLs(string sql)
    {
        runs.AssertSerialAndParallelMatchPostgres(sql);
    }

    /// <summary>
    /// Text computed in the aggregates' arguments (a concatenation) is written to the kernel's scratch
    /// arena, which belongs to one thread: the partials once shared the parent's, and about one run in
    /// three gave a group a min or max with another row's bytes mixed in. Each run compares the
    /// serial and the parallel results with PostgreSQL's.
    /// </summary>
    [Fact]
    public void Text_the_partials_compute_is_each_threads_own()
    {
        string sql = $"SELECT g, min(s || id), max(s || g), min(upper(s) || k), max(id || s) FROM {Big} GROUP BY g ORDER BY g";
        for (int i = 0; i < 5; i++) runs.AssertSerialAndParallelMatchPostgres(sql);
    }

    [Fact]
    public void Four_threads_and_a_tiny_memory_budget_still_give_PostgreSQLs_result()
    {
        // the partials pass their share of 64 kB, stop, merge, and the first reads the rest, spilling
        string sql = $"SELECT id % 20011, count(*), sum(n), min(s) FROM {Big} GROUP BY 1 ORDER BY 1";
        runs.AssertTinyBudgetMatchesPostgres(sql);
    }

    /// <summary>
    /// EXPLAIN ANALYZE's memory figures count the partial aggregates' group tables, which are held at
    /// once until they merge: 200,000 groups of an int4 key take several MB whichever thread holds
    /// them. (Before, only a serial aggregate's table was gauged, and a parallel one reported a few kB.)
    /// </summary>
    [Fact]
    public void Explain_analyze_counts_the_partial_aggregates_memory()
    {
        string sql = $"SELECT id, count(*) FROM {Big} GROUP BY id";
        foreach (int threads in new[] { 1, 2 })
        {
            using var conn = runs.OpenFusion(threads);
            string text = PgServer.Text(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql);
            if (threads == 2) Assert.Contains("Parallel Pipeline: partial aggregates", text);
            var peak = System.Text.RegularExpressions.Regex.Match(text, @"Worker Memory Peak: (\d+) kB");
            Assert.True(peak.Success, text);
            // 200,000 keys of 4 bytes plus 16 bytes of table and 8 of count state per group: over 4 MB
            Assert.True(long.Parse(peak.Groups[1].Value) > 4000, $"{threads} thread(s): {peak.Value}\n{text}");
        }
    }

    public static TheoryData<string> FailingQueries => new()
    {
        // division by zero on the last page only
        $"SELECT g, sum(100 / (CASE WHEN id = 199999 THEN 0 ELSE 1 END)) FROM {Big} GROUP BY g",
        // int4 overflow near the end
        $"SELECT sum(CASE WHEN id > 199990 THEN (id * 20000)::int8 ELSE 0 END), sum(CASE WHEN id > 199990 THEN id * 20000 ELSE 0 END) FROM {Big}",
        // two errors: a division by zero on the first page, an overflow on the last; the serial run raises the first
        $"SELECT sum(CASE WHEN id = 5 THEN 1 / (id - 5) WHEN id = 199999 THEN id * 20000 ELSE 0 END) FROM {Big}",
    };

    [Theory]
    [MemberData(nameof(FailingQueries))]
    public void An_error_on_a_worker_thread_reaches_the_client_as_the_serial_run_raises_it(string sql)
    {
        runs.AssertErrorsAsTheSerialRun(sql, $"SELECT g, count(*), sum(n) FROM {Big} GROUP BY g ORDER BY g");
    }

    [Fact]
    public void A_statement_timeout_cancels_a_parallel_aggregate_and_the_session_goes_on()
    {
        using var conn = runs.OpenFusion(2);
        // a self-product of the numeric column per row keeps both threads busy for a while
        string slow = $"SELECT g, sum(n * m * n * m * n), min(s || s || s) FROM {Big} GROUP BY g";
        PgServer.Execute(conn, "SET statement_timeout = '10ms'");
        int cancelled = 0;
        for (int run = 0; run < 5; run++)
        {
            try
            {
                ResultText.Run(conn, slow);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
            {
                cancelled++;
            }
        }
        Assert.True(cancelled > 0, "no run was cancelled by a 10 ms statement_timeout");
        PgServer.Execute(conn, "SET statement_timeout = 0");
        string sql = $"SELECT g, count(*), sum(n) FROM {Big} GROUP BY g ORDER BY g";
        Assert.Equal(runs.Off(sql), ResultText.Run(conn, sql));
    }
}
