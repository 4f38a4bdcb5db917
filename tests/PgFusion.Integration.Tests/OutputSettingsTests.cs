using Npgsql;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// x::text of dates and floats depends on DateStyle and extra_float_digits, which a session may
/// change after a statement was planned: a prepared statement's cached plan then runs under other
/// settings. The backend sends the plan's JSON with the current settings and the worker compiles it
/// for them (docs/ipc.md, PGF_FLAG_SETTINGS_CHANGED); settings it cannot print under
/// (bytea_output = escape) give a clear error rather than text in the old style. PostgreSQL is the oracle for every result.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class OutputSettingsTests(HookDatabase db) : IClassFixture<HookDatabase>
{
    private const string Query = $"SELECT id, d::text || ' ' || f::text FROM {HookDatabase.Table} WHERE id % 97 = 0 ORDER BY id";

    private static string Rows(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        using var reader = cmd.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add($"{reader.GetInt32(0)}|{reader.GetString(1)}");
        return string.Join('\n', rows);
    }

    /// <summary>PostgreSQL's own result of the query under the given settings (pg_fusion off, on another connection).</summary>
    private string Oracle(string settings)
    {
        using var conn = db.Open();
        PgServer.Execute(conn, $"SET pg_fusion.enable = off; {settings}");
        return Rows(conn, Query);
    }

    /// <summary>A table with a bytea column (bytea_output = escape is the one output setting the worker declines).</summary>
    private static void CreateBytes(NpgsqlConnection conn) => PgServer.Execute(conn,
        "CREATE TABLE IF NOT EXISTS output_bytes AS SELECT g AS id, decode(lpad(to_hex(g * 7919), 8, '0'), 'hex') AS b FROM generate_series(1, 500) g");

    [Fact]
    public void A_prepared_statement_prints_dates_in_the_DateStyle_it_runs_under()
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        PgServer.Execute(conn, "SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 1; SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error");
        PgServer.Execute(conn, $"PREPARE by_style AS {Query}");
        Assert.Contains("PgFusionScan", PgServer.Text(conn, "EXPLAIN EXECUTE by_style"));
        Assert.Equal(Oracle("SET DateStyle = 'ISO, MDY'"), Rows(conn, "EXECUTE by_style"));

        foreach (var style in new[] { "German, DMY", "SQL, MDY", "Postgres, DMY", "ISO, YMD" })
        {
            PgServer.Execute(conn, $"SET DateStyle = '{style}'");
            var expected = Oracle($"SET DateStyle = '{style}'");
            Assert.Contains("PgFusionScan", PgServer.Text(conn, "EXPLAIN EXECUTE by_style"));
            Assert.Equal(expected, Rows(conn, "EXECUTE by_style"));
        }
        Assert.NotEqual(Oracle("SET DateStyle = 'ISO, MDY'"), Oracle("SET DateStyle = 'German, DMY'")); // the styles do differ
    }

    [Fact]
    public void A_prepared_statement_prints_floats_with_the_extra_float_digits_it_runs_under()
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        PgServer.Execute(conn, "SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 1; SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error");
        PgServer.Execute(conn, $"PREPARE by_digits AS {Query}");
        foreach (var digits in new[] { 1, 3, 0, -4, -15, 2 })
        {
            PgServer.Execute(conn, $"SET extra_float_digits = {digits}");
            Assert.Contains("PgFusionScan", PgServer.Text(conn, "EXPLAIN EXECUTE by_digits"));
            Assert.Equal(Oracle($"SET extra_float_digits = {digits}"), Rows(conn, "EXECUTE by_digits"));
        }
        Assert.NotEqual(Oracle("SET extra_float_digits = 1"), Oracle("SET extra_float_digits = -4")); // the settings do differ
    }

    [Fact]
    public void A_prepared_statement_under_settings_the_worker_cannot_print_fails_clearly_and_recovers()
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        CreateBytes(conn);
        PgServer.Execute(conn, "SET bytea_output = hex; SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error");
        const string bytes = "SELECT id, b::text FROM output_bytes WHERE id % 7 = 0 ORDER BY id";
        PgServer.Execute(conn, $"PREPARE by_bytes AS {bytes}");
        string Expected(string output)
        {
            using var oracle = db.Open();
            PgServer.Execute(oracle, $"SET pg_fusion.enable = off; SET bytea_output = {output}");
            return Rows(oracle, bytes);
        }
        Assert.Equal(Expected("hex"), Rows(conn, "EXECUTE by_bytes"));

        PgServer.Execute(conn, "SET bytea_output = escape");
        var error = Assert.Throws<PostgresException>(() => Rows(conn, "EXECUTE by_bytes"));
        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("bytea_output = 'escape'", error.MessageText);
        Assert.Contains("changed since the statement was planned", error.Detail);

        PgServer.Execute(conn, "SET bytea_output = hex");
        Assert.Equal(Expected("hex"), Rows(conn, "EXECUTE by_bytes"));
    }

    [Fact]
    public void Planned_under_unsupported_settings_the_query_falls_back_to_PostgreSQL()
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        CreateBytes(conn);
        const string escaped = "SELECT id, b::text FROM output_bytes WHERE id % 7 = 0 ORDER BY id";
        PgServer.Execute(conn, "SET bytea_output = escape; SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = fallback");
        Assert.DoesNotContain("PgFusionScan", PgServer.Text(conn, $"EXPLAIN {escaped}"));
        PgServer.Execute(conn, "SET pg_fusion.on_unsupported = error");
        var error = Assert.Throws<PostgresException>(() => PgServer.Execute(conn, escaped));
        Assert.Contains("bytea_output", error.MessageText);
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        var postgres = Rows(conn, escaped);
        PgServer.Execute(conn, "SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = fallback");
        Assert.Equal(postgres, Rows(conn, escaped));
    }
}
