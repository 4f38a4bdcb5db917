using Npgsql;
using PgFusion.TestSupport;
using PgFusion.TestSupport.Slt;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Integration.Tests;

/// <summary>
/// The runner against a real PostgreSQL. The "on" side is simulated by a backend that runs the
/// query with pg_fusion off and then tampers with the result the way a wrong engine would, so these
/// tests prove that the runner catches mismatches whether or not pg_fusion is installed.
/// </summary>
public sealed class SltRunnerTests : IClassFixture<SltRunnerTests.Database>
{
    private readonly Database _db;
    private readonly ITestOutputHelper _output;

    public SltRunnerTests(Database db, ITestOutputHelper output)
    {
        _db = db;
        _output = output;
    }

    public sealed class Database : IDisposable
    {
        public string ConnectionString { get; } = PgServer.CreateDatabase("slt_runner_tests");

        public void Dispose()
        {
            using var admin = PgServer.Open();
            PgServer.Execute(admin, "DROP DATABASE IF EXISTS slt_runner_tests WITH (FORCE)");
        }
    }

    private const string Script = """
        # pgfusion: offload required

        statement ok
        CREATE TEMP TABLE t AS SELECT g AS id, g * 0.1::float8 AS f, (g % 3)::text AS s FROM generate_series(1, 10) g

        query IT rowsort values
        SELECT id, s FROM t

        query I nosort ordered
        SELECT id FROM t ORDER BY id

        query R rowsort floats
        SELECT f FROM t

        query R rowsort float_tolerant tolerance 1e-9
        SELECT sum(f) FROM t

        query error 22012 div
        SELECT id / 0 FROM t

        query I rowsort fallback_query fallback-ok
        SELECT count(*) FROM t
        """;

    /// <summary>Plays pg_fusion: on = off passed through <paramref name="tamper"/>; EXPLAIN shows <paramref name="plan"/>.</summary>
    private sealed class FakeFusion(PgSltBackend real, Func<string, QueryOutcome, QueryOutcome> tamper, string plan) : ISltBackend
    {
        public bool FusionLoaded => true;

        public QueryError? ExecuteStatement(string sql) => real.ExecuteStatement(sql);

        public QueryOutcome RunQuery(string sql, FusionSide side, SltOffload offload)
        {
            var off = real.RunQuery(sql, FusionSide.Off, offload);
            return side == FusionSide.Off ? off : tamper(sql, off);
        }

        public QueryOutcome Explain(string sql, SltOffload offload) => new QueryRows([new("QUERY PLAN", 25, "text")], [[plan]]);

        public QueryOutcome ExplainAnalyze(string sql, SltOffload offload) => new QueryRows([new("QUERY PLAN", 25, "text")], [[plan]]);
    }

    /// <summary>
    /// Runs <paramref name="script"/> (named <paramref name="file"/> in failures) on the test
    /// database through the backend <paramref name="backend"/> builds around the real one.
    /// </summary>
    private SltFileReport RunScript(string script, string file, Func<PgSltBackend, ISltBackend> backend)
    {
        using var conn = new NpgsqlConnection(_db.ConnectionString);
        conn.Open();
        using var real = new PgSltBackend(conn);
        var report = SltRunner.Run(SltParser.Parse(script, file), backend(real));
        _output.WriteLine(report.ToString());
        return report;
    }

    private SltFileReport Run(Func<string, QueryOutcome, QueryOutcome> tamper, string plan = "Custom Scan (PgFusionScan)\n  -> PgFusion plan") =>
        RunScript(Script, "runner.slt", real => new FakeFusion(real, tamper, plan));

    private static QueryRows Map(QueryOutcome o, Func<IReadOnlyList<string?[]>, IEnumerable<string?[]>> f)
    {
        var rows = (QueryRows)o;
        return rows with { Rows = f(rows.Rows).ToList() };
    }

    [Fact]
    public void Identical_sides_pass()
    {
        var report = Run((_, o) => o);
        Assert.True(report.Passed, report.ToString());
        Assert.True(report.Compared);
        Assert.Equal(6, report.Queries);
        Assert.Equal(4, report.ExplainChecks); // offload check on the 4 successful offload-required queries
    }

    [Fact]
    public void A_changed_value_is_reported_with_location_and_diff()
    {
        var report = Run((sql, o) => sql.Contains("id, s", StringComparison.Ordinal)
            ? Map(o, rows => rows.Select(r => r[0] == "7" ? new[] { "7", "wrong" } : r))
            : o);
        var failure = Assert.Single(report.Failures);
        Assert.Equal(("runner.slt:6", "values", "off/on results differ"), (failure.Location, failure.Label, failure.Kind));
        Assert.Contains("- 7 | 1", failure.Detail, StringComparison.Ordinal);
        Assert.Contains("+ 7 | wrong", failure.Detail, StringComparison.Ordinal);
        Assert.Contains("SELECT id, s FROM t", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_order_is_reported_for_nosort_only()
    {
        var report = Run((sql, o) => o is QueryRows r && r.Rows.Count > 1 ? Map(o, rows => rows.Reverse()) : o);
        var failure = Assert.Single(report.Failures);
        Assert.Equal("ordered", failure.Label);
        Assert.Contains("at row 1", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_float_off_by_one_ulp_is_reported_unless_a_tolerance_is_given()
    {
        static string Nudge(string v) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)) + 1)
            .ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var report = Run((sql, o) => sql.Contains("f FROM", StringComparison.Ordinal)
            ? Map(o, rows => rows.Select(r => new[] { Nudge(r[0]!) }))
            : o);
        var failure = Assert.Single(report.Failures);
        Assert.Equal("floats", failure.Label);
    }

    [Fact]
    public void A_missing_error_and_a_different_error_are_reported()
    {
        var report = Run((sql, o) => o is QueryError ? new QueryRows([new("?column?", 23, "integer")], []) : o);
        Assert.Equal("div", Assert.Single(report.Failures).Label);
        report = Run((sql, o) => o is QueryError ? new QueryError("22003", "integer out of range") : o);
        Assert.Contains("errors differ", Assert.Single(report.Failures).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Falling_back_when_offload_is_required_is_reported()
    {
        var report = Run((_, o) => o, plan: "Seq Scan on t");
        Assert.Equal(4, report.Failures.Count);
        Assert.All(report.Failures, f => Assert.Equal("offload required but the plan has no PgFusionScan", f.Kind));
        Assert.DoesNotContain(report.Failures, f => f.Label == "fallback_query");

        report = Run((sql, o) => sql.Contains("count(*)", StringComparison.Ordinal) || o is QueryError
            ? o
            : new QueryError("0A000", "pg_fusion cannot run this query"));
        Assert.Equal(4, report.Failures.Count);
        Assert.All(report.Failures, f => Assert.Equal("pg_fusion raised an error (offload required: unsupported constructs fail here)", f.Kind));
    }

    /// <summary>explain-analyze-match checks EXPLAIN ANALYZE's text (the fake shows the same plan for both EXPLAINs).</summary>
    [Fact]
    public void An_EXPLAIN_ANALYZE_assertion_is_checked_and_reported()
    {
        var report = RunScript("""
            # pgfusion: offload required

            query I rowsort spilled
            explain-analyze-match ^\s+Spill: WindowAgg \d+ files
            SELECT 1

            query I rowsort shown
            explain-analyze-match PgFusionScan
            SELECT 2
            """, "analyze.slt", real => new FakeFusion(real, (_, o) => o, "Custom Scan (PgFusionScan)\n  Spill Files: 3"));
        var failure = Assert.Single(report.Failures);
        Assert.Equal(("spilled", @"EXPLAIN ANALYZE does not match /^\s+Spill: WindowAgg \d+ files/"), (failure.Label, failure.Kind));
        Assert.Equal(4, report.ExplainChecks); // two offload checks, two EXPLAIN ANALYZE regexes
    }

    [Fact]
    public void A_lost_connection_stops_the_file_with_a_clear_failure()
    {
        var report = Run((sql, o) => sql.Contains("ORDER BY", StringComparison.Ordinal) ? throw new NpgsqlException("Exception while reading from stream") : o);
        var failure = Assert.Single(report.Failures);
        Assert.Equal(("ordered", "runner.slt:9"), (failure.Label, failure.Location));
        Assert.StartsWith("connection lost", failure.Kind, StringComparison.Ordinal);
        Assert.Equal(2, report.Queries); // the rest of the file did not run
    }

    [Fact]
    public void Without_pg_fusion_the_oracle_side_is_still_checked()
    {
        var report = RunScript("""
            query I rowsort ok
            SELECT 1

            query error 22012 no_error
            SELECT 1

            query I rowsort fails
            SELECT 1/0

            query IT rowsort wrong_shape
            SELECT 1

            query T rowsort wrong_type
            SELECT 1

            statement error 42P01
            SELECT 1
            """, "oracle.slt", real => new OffOnly(real));
        Assert.Equal(["no_error", "fails", "wrong_shape", "wrong_type", "statement"], report.Failures.Select(f => f.Label));
        Assert.False(report.Compared);
        Assert.Contains("OFF SIDE ONLY", report.Summary, StringComparison.Ordinal);
    }

    private sealed class OffOnly(PgSltBackend real) : ISltBackend
    {
        public bool FusionLoaded => false;

        public QueryError? ExecuteStatement(string sql) => real.ExecuteStatement(sql);

        public QueryOutcome RunQuery(string sql, FusionSide side, SltOffload offload) =>
            side == FusionSide.Off ? real.RunQuery(sql, side, offload) : throw new InvalidOperationException("no on side");

        public QueryOutcome Explain(string sql, SltOffload offload) => throw new InvalidOperationException("no on side");

        public QueryOutcome ExplainAnalyze(string sql, SltOffload offload) => throw new InvalidOperationException("no on side");
    }

    /// <summary>
    /// Values reach the comparison as PostgreSQL prints them: the expected strings are psql's output
    /// for the same expressions on PostgreSQL 15 (checked by hand with `./pgfusion psql`).
    /// </summary>
    [Fact]
    public void Values_are_compared_in_PostgreSQL_text_output()
    {
        using var conn = new NpgsqlConnection(_db.ConnectionString);
        conn.Open();
        using var real = new PgSltBackend(conn);
        var rows = Assert.IsType<QueryRows>(real.RunQuery("""
            SELECT 1.50::numeric, 1.5::numeric(15,2), 'NaN'::numeric, 0.1::float8, 0.1::float4, 1e100::float8,
                   (0.1::float8 + 0.2::float8), 'Infinity'::float8, '-infinity'::date, '2024-01-02 03:04:05.5'::timestamp,
                   'ab'::char(4), true, NULL::int, (-32768)::int2, '4713-01-01 BC'::date, 'infinity'::numeric
            """, FusionSide.Off, SltOffload.FallbackOk));
        Assert.Equal<string?>(
            ["1.50", "1.50", "NaN", "0.1", "0.1", "1e+100", "0.30000000000000004", "Infinity", "-infinity",
             "2024-01-02 03:04:05.5", "ab  ", "t", null, "-32768", "4713-01-01 BC", "Infinity"],
            rows.Rows.Single().AsEnumerable());
        Assert.Equal([1700u, 1700, 1700, 701, 700, 701, 701, 701, 1082, 1114, 1042, 16, 23, 21, 1082, 1700], rows.Columns.Select(c => c.TypeOid));
    }
}
