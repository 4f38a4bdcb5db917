using PgFusion.TestSupport;
using PgFusion.Tpch.Loading;
using PgFusion.Tpch.Results;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Integration.Tests;

/// <summary>Loads TPC-H at the scale factor of tests/tpch/expected into its own database, once per test class.</summary>
public sealed class TpchDatabase : TestDatabase
{
    /// <summary>The scale factor tests/tpch/expected was produced at (`pgfusion-cli tpch-expected --sf 0.1`).</summary>
    public const double ScaleFactor = 0.1;

    public TpchDatabase()
        : base("pgfusion_tpch_test")
    {
        Report = TpchLoader.Load(ConnectionString, ScaleFactor, seed: 0);
    }

    public TpchLoadReport Report { get; }
}

public class TpchTests(TpchDatabase db, ITestOutputHelper output) : IClassFixture<TpchDatabase>
{
    public static TheoryData<int> Queries => new(Enumerable.Range(1, 22));

    [Theory]
    [MemberData(nameof(Queries))]
    public void Query_agrees_with_the_expected_result_with_pg_fusion_off_and_on(int number)
    {
        var query = TpchQuery.Load(number);
        var expected = File.ReadAllText(TpchQuery.ExpectedPath(number));
        using var conn = db.Open();
        if (db.FusionAvailable)
            PgServer.Execute(conn, "SET pg_fusion.enable = off");
        var off = ResultText.Run(conn, query.Sql);
        Assert.True(expected == off, $"{query.Name} (PostgreSQL) differs from tests/tpch/expected: {ResultText.FirstDifference(expected, off)}");
        if (!db.FusionAvailable)
        {
            output.WriteLine($"{query.Name}: pg_fusion is not loaded in this cluster; checked PostgreSQL against the expected file only");
            return;
        }
        // Every TPC-H query must run in pg_fusion: on_unsupported = error turns a fallback into a failure,
        // and EXPLAIN must show the PgFusion scan at the top.
        PgServer.Execute(conn, "SET pg_fusion.enable = on");
        PgServer.Execute(conn, "SET pg_fusion.on_unsupported = error");
        var plan = ResultText.Run(conn, "EXPLAIN (COSTS OFF) " + query.Sql);
        Assert.True(plan.Contains("Custom Scan (PgFusionScan)", StringComparison.Ordinal), $"{query.Name} is not offloaded:\n{plan}");
        var on = ResultText.Run(conn, query.Sql);
        Assert.True(off == on, $"{query.Name} with pg_fusion on differs from off: {ResultText.FirstDifference(off, on)}");
    }

    [Fact]
    public void Loaded_tables_have_the_spec_row_counts_and_key_relationships()
    {
        using var conn = db.Open();
        long Count(string sql) => (long)PgServer.Scalar(conn, sql)!;
        Assert.Equal(5, Count("SELECT count(*) FROM region"));
        Assert.Equal(25, Count("SELECT count(*) FROM nation"));
        Assert.Equal(1_000, Count("SELECT count(*) FROM supplier"));
        Assert.Equal(15_000, Count("SELECT count(*) FROM customer"));
        Assert.Equal(20_000, Count("SELECT count(*) FROM part"));
        Assert.Equal(80_000, Count("SELECT count(*) FROM partsupp"));
        Assert.Equal(150_000, Count("SELECT count(*) FROM orders"));
        Assert.Equal(db.Report.RowCounts[Tpch.Generation.TpchTable.LineItem], Count("SELECT count(*) FROM lineitem"));
        Assert.Equal(0, Count("SELECT count(*) FROM lineitem WHERE l_orderkey NOT IN (SELECT o_orderkey FROM orders)"));
        Assert.Equal(0, Count("SELECT count(*) FROM lineitem l WHERE NOT EXISTS (SELECT 1 FROM partsupp WHERE ps_partkey = l.l_partkey AND ps_suppkey = l.l_suppkey)"));
        Assert.Equal(0, Count("SELECT count(*) FROM (SELECT ps_partkey FROM partsupp GROUP BY ps_partkey HAVING count(DISTINCT ps_suppkey) <> 4) p"));
        Assert.Equal(0, Count("SELECT count(*) FROM orders WHERE o_custkey NOT IN (SELECT c_custkey FROM customer) OR o_custkey % 3 = 0"));
        Assert.Equal(0, Count("SELECT count(*) FROM supplier WHERE s_nationkey NOT IN (SELECT n_nationkey FROM nation)"));
        // o_totalprice is derived from the order's lines (rounded per line in pennies, as dbgen does).
        Assert.Equal(0, Count("""
            SELECT count(*) FROM orders o JOIN (
                SELECT l_orderkey, sum(trunc(trunc(l_extendedprice * (1 - l_discount), 2) * (1 + l_tax), 2)) AS total
                FROM lineitem GROUP BY l_orderkey) l ON l.l_orderkey = o.o_orderkey
            WHERE l.total <> o.o_totalprice
            """));
        // The load froze the rows and VACUUM ANALYZE left every page all-visible, with statistics.
        Assert.Equal(0, Count("SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'lineitem' AND last_analyze IS NULL AND last_autoanalyze IS NULL"));
        Assert.True(TpchLoader.IsLoaded(db.ConnectionString, TpchDatabase.ScaleFactor));
    }
}
