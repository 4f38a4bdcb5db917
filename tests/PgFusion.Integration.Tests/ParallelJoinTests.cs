using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// pg_fusion.worker_threads over hash joins: the build side is built once, each thread probes its
/// own batches of the big table and feeds its own partial aggregate. Every query runs with
/// pg_fusion off (the oracle), on with one thread and on with two; the results must be equal.
/// The dimension tables have duplicate keys and NULL keys, the fact table NULL keys, so inner,
/// left, semi, anti and NOT IN joins all see matches, several matches, and no match.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class ParallelJoinTests : IClassFixture<HookDatabase>
{
    private const string Fact = "pj_fact";
    private readonly HookDatabase db;
    private readonly ThreadedRuns runs;

    public ParallelJoinTests(HookDatabase db)
    {
        this.db = db;
        runs = new ThreadedRuns(db);
        using var conn = db.Open();
        PgServer.Execute(conn, $"""
            CREATE TABLE IF NOT EXISTS {Fact} AS
            SELECT i AS id, CASE WHEN i % 13 = 0 THEN NULL ELSE i % 1200 END AS k, i % 40 AS c,
                   (i % 1000)::numeric(12,2) / 7 AS n, 'v' || (i % 900) AS s, i::float8 / 7 AS f
            FROM generate_series(1, 200000) i;
            CREATE TABLE IF NOT EXISTS pj_dim AS
            SELECT CASE WHEN j % 97 = 0 THEN NULL ELSE j % 1000 END AS k, 'cat' || (j % 7) AS cat, (j % 50)::numeric(12,2) AS w
            FROM generate_series(1, 1500) j;
            CREATE TABLE IF NOT EXISTS pj_grp AS SELECT g AS c, 'grp' || (g % 4) AS label FROM generate_series(0, 29) g;
            CREATE TABLE IF NOT EXISTS pj_str AS SELECT 'v' || (j * 3) AS s, j % 5 AS t FROM generate_series(1, 400) j;
            CREATE TABLE IF NOT EXISTS pj_nonull AS SELECT j AS k FROM generate_series(1, 1100, 2) j;
            CREATE TABLE IF NOT EXISTS pj_wide AS
            SELECT j AS k, repeat('x', 200) || j AS pad FROM generate_series(1, 20000) j;
            ANALYZE {Fact}; ANALYZE pj_dim; ANALYZE pj_grp; ANALYZE pj_str; ANALYZE pj_nonull; ANALYZE pj_wide;
            """);
    }

    public static TheoryData<string> Queries => new()
    {
        // inner join, duplicate build keys, into GROUP BY
        $"SELECT d.cat, count(*), sum(f.n), min(f.s), max(d.w), avg(f.k) FROM {Fact} f JOIN pj_dim d ON f.k = d.k GROUP BY d.cat ORDER BY 1",
        // inner join into an ungrouped aggregate, with a residual
        $"SELECT count(*), sum(f.n - d.w), min(f.id), max(f.id) FROM {Fact} f JOIN pj_dim d ON f.k = d.k AND f.n > d.w",
        // left join: unmatched fact rows (NULL keys, keys >= 1000) NULL-extended
        $"SELECT d.cat, count(*), count(d.k), sum(f.n), sum(d.w) FROM {Fact} f LEFT JOIN pj_dim d ON f.k = d.k GROUP BY d.cat ORDER BY 1 NULLS FIRST",
        // semi joins (EXISTS, IN)
        $"SELECT f.c, count(*), sum(f.n) FROM {Fact} f WHERE EXISTS (SELECT 1 FROM pj_dim d WHERE d.k = f.k AND d.w > 10) GROUP BY f.c ORDER BY 1",
        $"SELECT count(*), sum(f.n), max(f.s) FROM {Fact} f WHERE f.k IN (SELECT k FROM pj_dim WHERE cat <> 'cat3')",
        // anti joins: NOT EXISTS keeps NULL keys; NOT IN over a set with a NULL keeps nothing, without a NULL keeps non-NULL non-members
        $"SELECT f.c % 4, count(*), sum(f.n) FROM {Fact} f WHERE NOT EXISTS (SELECT 1 FROM pj_dim d WHERE d.k = f.k) GROUP BY 1 ORDER BY 1",
        $"SELECT count(*), sum(f.n) FROM {Fact} f WHERE f.k NOT IN (SELECT k FROM pj_dim)",
        $"SELECT count(*), sum(f.n), min(f.k), max(f.k) FROM {Fact} f WHERE f.k NOT IN (SELECT k FROM pj_nonull)",
        // chained joins into GROUP BY (two shared tables, each thread probes both)
        $"SELECT g.label, d.cat, count(*), sum(f.n), min(f.id) FROM {Fact} f JOIN pj_dim d ON f.k = d.k JOIN pj_grp g ON g.c = f.c GROUP BY g.label, d.cat ORDER BY 1, 2",
        $"SELECT g.label, count(*), count(d.cat), sum(f.n) FROM {Fact} f JOIN pj_grp g ON g.c = f.c LEFT JOIN pj_dim d ON f.k = d.k AND d.cat = 'cat1' GROUP BY g.label ORDER BY 1",
        // a text key (the generic hash table path)
        $"SELECT t.t, count(*), sum(f.n), max(f.id) FROM {Fact} f JOIN pj_str t ON t.s = f.s GROUP BY t.t ORDER BY 1",
        // joins feeding ORDER BY / LIMIT
        $"SELECT f.k, d.cat, sum(f.n) AS total FROM {Fact} f JOIN pj_dim d ON f.k = d.k GROUP BY f.k, d.cat ORDER BY total DESC, f.k, d.cat LIMIT 10",
        $"SELECT f.id, f.k, d.cat, d.w FROM {Fact} f JOIN pj_dim d ON f.k = d.k WHERE f.id % 1000 = 1 ORDER BY f.id, d.cat, d.w LIMIT 25",
        // a projection between join and aggregate, and a join that matches nothing
        $"SELECT (f.n * 2 + d.w) > 100, count(*), sum(f.n * 2 + d.w) FROM {Fact} f JOIN pj_dim d ON f.k = d.k GROUP BY 1 ORDER BY 1",
        $"SELECT count(*), sum(f.n) FROM {Fact} f JOIN pj_dim d ON f.k = d.k WHERE d.cat = 'nothing'",
        $"SELECT count(*), sum(f.n) FROM {Fact} f LEFT JOIN pj_dim d ON f.k = d.k AND d.cat = 'nothing'",
        // semi/anti joins that build the small kept side (BuildSemi/BuildAnti): the threads probe the fact table and mark one match array
        BuildAnti,
        BuildSemiResidual,
        "SELECT d.cat, count(*), sum(d.w) FROM pj_dim d WHERE EXISTS (SELECT 1 FROM pj_fact f WHERE f.k = d.k) GROUP BY 1 ORDER BY 1",
        "SELECT d.k, d.cat, d.w FROM pj_dim d WHERE NOT EXISTS (SELECT 1 FROM pj_fact f WHERE f.k = d.k AND f.n < d.w) ORDER BY 1, 2, 3",
    };

    private const string BuildAnti = "SELECT d.k, d.cat FROM pj_dim d WHERE NOT EXISTS (SELECT 1 FROM pj_fact f WHERE f.k = d.k AND f.n > 100) ORDER BY 1 NULLS FIRST, 2";
    private const string BuildSemiResidual = "SELECT d.cat, count(*) FROM pj_dim d WHERE EXISTS (SELECT 1 FROM pj_fact f WHERE f.k = d.k AND f.n > d.w + 100) GROUP BY 1 ORDER BY 1";

    [Theory]
    // the probe side of every join is the fact table's scan (the shape the threads split)
    [InlineData("SELECT d.cat, count(*), sum(f.n) FROM pj_fact f JOIN pj_dim d ON f.k = d.k GROUP BY d.cat", @"HashJoin Inner: k = k;[^\n]*\n\s*-> Scan #\d+ on pj_fact")]
    [InlineData(BuildAnti, @"HashJoin BuildAnti: k = k; build left[^\n]*\n(\s*-> Filter[^\n]*\n)?\s*-> Scan #\d+ on pj_fact")]
    [InlineData(BuildSemiResidual, @"HashJoin BuildSemi: k = k; filter [^\n]*\n\s*-> Scan #\d+ on pj_fact")]
    public void The_queries_have_the_join_shapes_the_threads_probe(string sql, string pattern)
    {
        using var conn = runs.OpenFusion(2);
        Assert.Matches(pattern, PgServer.Text(conn, "EXPLAIN " + sql));
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public void Two_threads_probing_one_table_give_the_serial_result_and_PostgreSQLs(string sql)
    {
        runs.AssertSerialAndParallelMatchPostgres(sql);
    }

    [Fact]
    public void A_float_sum_over_a_join_is_the_serial_sum_bit_for_bit()
    {
        // float sums do not merge (their rounding depends on row order): two threads must give exactly the one-thread result
        string sql = $"SELECT d.cat, sum(f.f), avg(f.f * d.w) FROM {Fact} f JOIN pj_dim d ON f.k = d.k GROUP BY d.cat ORDER BY 1";
        using var serial = runs.OpenFusion(1);
        using var parallel = runs.OpenFusion(2);
        PgServer.Execute(serial, "SET extra_float_digits = 3");
        PgServer.Execute(parallel, "SET extra_float_digits = 3");
        string one = ResultText.Run(serial, sql);
        for (int run = 0; run < 3; run++)
        {
            string two = ResultText.Run(parallel, sql);
            Assert.True(one == two, ResultText.FirstDifference(one, two));
        }
    }

    [Theory]
    // the partials pass their share of the budget, stop (a join may hold the rest of a probe batch), merge, and the first reads the rest
    [InlineData("SELECT f.id % 20011, count(*), sum(f.n), min(d.cat) FROM pj_fact f JOIN pj_dim d ON f.k = d.k GROUP BY 1 ORDER BY 1")]
    // the build side passes the budget: the join spills (grace) and the pipeline runs serially
    [InlineData("SELECT f.c, count(*), sum(f.n), max(w.pad) FROM pj_fact f JOIN pj_wide w ON w.k = f.id GROUP BY f.c ORDER BY 1")]
    public void Four_threads_and_a_tiny_memory_budget_still_give_PostgreSQLs_result(string sql)
    {
        runs.AssertTinyBudgetMatchesPostgres(sql);
    }

    public static TheoryData<string> FailingQueries => new()
    {
        // division by zero in the projection after the join, on one of the last pages only
        $"SELECT d.cat, sum(100 / (CASE WHEN f.id = 199999 THEN 0 ELSE 1 END)) FROM {Fact} f JOIN pj_dim d ON f.k = d.k GROUP BY d.cat",
        // division by zero computed from both sides of the join
        $"SELECT count(*), sum(f.n / (d.w - 49)) FROM {Fact} f JOIN pj_dim d ON f.k = d.k WHERE f.id > 150000",
        // two errors: a division by zero on the first page, an int4 overflow on the last; the serial run raises the first
        $"SELECT sum(CASE WHEN f.id = 1 THEN 1 / (f.id - 1) WHEN f.id = 199999 THEN f.id * 20000 ELSE 0 END) FROM {Fact} f JOIN pj_dim d ON f.k = d.k",
        // an error in the probe input of a BuildAnti join (the threads mark one match array)
        $"SELECT d.k FROM pj_dim d WHERE NOT EXISTS (SELECT 1 FROM {Fact} f WHERE f.k = d.k AND 10 / (f.id - 199990) > 0)",
    };

    [Theory]
    [MemberData(nameof(FailingQueries))]
    public void An_error_on_a_probing_thread_reaches_the_client_as_the_serial_run_raises_it(string sql)
    {
        runs.AssertErrorsAsTheSerialRun(sql, $"SELECT d.cat, count(*), sum(f.n) FROM {Fact} f JOIN pj_dim d ON f.k = d.k GROUP BY d.cat ORDER BY 1");
    }
}
