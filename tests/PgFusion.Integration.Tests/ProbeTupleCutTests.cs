using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// An index probe's tuples travel cut after the last attribute the worker decodes
/// (`pg_fusion.serve_tuning` bit 128, native/pg_hooks/probe.c kept_length): the cut tuple says so
/// in its attribute count and the worker decodes it as a tuple written before later columns were
/// added. Against the whole tuples (bit 128 clear) and PostgreSQL: NULLs before and after the cut
/// (the null bitmap stays), TOASTed and inline text before the cut, a cut right after a varlena,
/// a column added later with a default (old tuples are shorter than the cut: they travel whole,
/// the default comes from the catalog), a first-match semi join whose conditions deformed the
/// tuple already, and no cut at all (the last attribute is decoded).
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class ProbeTupleCutTests : IClassFixture<HookDatabase>
{
    private readonly HookDatabase db;

    public ProbeTupleCutTests(HookDatabase db)
    {
        this.db = db;
        using var conn = db.Open();
        // ptc_inner: k = id / 3 (correlated, so the probe is cheap); v NULL every 7th row, TOASTed
        // (8 kB of poorly compressible text) every 97th; n numeric; tail text NULL every 5th; then
        // a column added with a default (rows before it have 6 attributes), and rows after it
        PgServer.Execute(conn, """
            DROP TABLE IF EXISTS ptc_inner;
            CREATE TABLE ptc_inner AS
            SELECT j AS id, (j / 3)::int4 AS k,
                   CASE WHEN j % 7 = 0 THEN NULL WHEN j % 97 = 0 THEN (SELECT string_agg(md5((j * 1000 + g)::text), '') FROM generate_series(1, 256) g) ELSE 'v' || j END AS v,
                   (j * 1.25)::numeric AS n,
                   CASE WHEN j % 5 = 0 THEN NULL ELSE repeat('t', j % 60) END AS tail,
                   j % 11 AS x
            FROM generate_series(1, 60000) j;
            ALTER TABLE ptc_inner ADD COLUMN late int4 DEFAULT 42;
            INSERT INTO ptc_inner SELECT 60000 + j, (20000 + j / 3)::int4, 'w' || j, j, 'late', j % 11, CASE WHEN j % 4 = 0 THEN NULL ELSE j END
            FROM generate_series(1, 3000) j;
            CREATE INDEX ptc_inner_k ON ptc_inner (k);
            DROP TABLE IF EXISTS ptc_outer;
            CREATE TABLE ptc_outer AS SELECT i AS id, ((i * 7919) % 21500)::int4 AS a FROM generate_series(1, 20000) i;
            ANALYZE ptc_inner; ANALYZE ptc_outer;
            """);
    }

    public static TheoryData<string> Queries => new()
    {
        // cut after v (attribute 3): NULLs before the cut, TOASTed and inline text at it
        "SELECT o.id, i.id, i.k, length(i.v), i.v FROM ptc_outer o JOIN ptc_inner i ON i.k = o.a WHERE o.id % 17 = 3",
        // cut after n (a numeric right after the text); tail, x and late travel no more
        "SELECT o.id, i.id, i.n FROM ptc_outer o JOIN ptc_inner i ON i.k = o.a WHERE o.id % 13 = 1",
        // the added column: old rows are shorter than the cut (whole, the default from the catalog), new rows (216 here) carry it or NULL
        "SELECT o.id, i.id, i.late FROM ptc_outer o JOIN ptc_inner i ON i.k = o.a WHERE o.id % 13 = 2",
        // every attribute: nothing is cut
        "SELECT o.id, i.id, i.tail, i.x, i.late FROM ptc_outer o JOIN ptc_inner i ON i.k = o.a WHERE o.id % 19 = 4",
        // first match: the condition deformed attribute x already (the cut is there)
        "SELECT count(*), sum(o.id) FROM ptc_outer o WHERE o.id % 7 = 1 AND EXISTS (SELECT 1 FROM ptc_inner i WHERE i.k = o.a AND i.x > 5)",
        // aggregate over the probed rows (the text column decoded as a group key)
        "SELECT i.v IS NULL, count(*), sum(i.n) FROM ptc_outer o JOIN ptc_inner i ON i.k = o.a WHERE o.id % 9 = 0 GROUP BY 1 ORDER BY 1",
    };

    /// <summary>The default serve_tuning without bit 128: tuples travel whole.</summary>
    private const int Whole = 0x17F;

    [Theory]
    [MemberData(nameof(Queries))]
    public void Cut_tuples_give_the_whole_tuples_rows_and_PostgreSQLs(string sql)
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error; RESET pg_fusion.serve_tuning");
        Assert.Contains("Index Probe Join", PgServer.Text(conn, "EXPLAIN (COSTS OFF) " + sql), StringComparison.Ordinal);
        Assert.Equal("1023", PgServer.Text(conn, "SHOW pg_fusion.serve_tuning").Trim());
        string cut = ResultText.Run(conn, sql);
        PgServer.Execute(conn, $"SET pg_fusion.serve_tuning = {Whole}");
        string whole = ResultText.Run(conn, sql);
        Assert.True(cut == whole, $"{sql}\ncut vs whole tuples: {ResultText.FirstDifference(whole, cut)}");
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        string off = ResultText.Run(conn, sql);
        Assert.True(Sorted(off) == Sorted(cut), $"{sql}\ncut vs PostgreSQL: {ResultText.FirstDifference(Sorted(off), Sorted(cut))}");
        db.AssertNoLeakedSlotsOrPages();
    }

    private static string Sorted(string result) => string.Join('\n', result.Split('\n').Order(StringComparer.Ordinal));
}
