using System.Globalization;
using System.Text;
using Npgsql;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// timestamptz semantics against PostgreSQL, value by value: thousands of random instants per zone
/// (1700..2400, so LMT offsets with seconds, every DST rule of the zone's history and its TZif
/// footer's rule for the far future), printed under every DateStyle, cast to timestamp and date,
/// truncated, extracted and moved by intervals, with pg_fusion (offload required) and without it.
/// A prepared statement executed after SET TIME ZONE is compiled again for the new zone.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class TimeZoneDifferentialTests(HookDatabase db) : IClassFixture<HookDatabase>
{
    private const int Instants = 4000;
    private const string Table = "tz_instants";

    private const string Query = $"""
        SELECT id, ts::text || '|' || ts::timestamp::text || '|' || ts::date::text || '|' || lt::timestamptz::text
               || '|' || date_trunc('day', ts)::text || '|' || date_trunc('month', ts)::text || '|' || date_trunc('hour', ts)::text
               || '|' || extract(timezone FROM ts)::text || '|' || extract(hour FROM ts)::text || '|' || extract(doy FROM ts)::text
               || '|' || (ts + interval '1 day')::text || '|' || (ts - interval '1 mon 2 hours')::text || '|' || (ts + iv)::text
        FROM {Table} ORDER BY id
        """;

    /// <summary>The instants, written once: random seconds and microseconds, local times and intervals from a fixed seed.</summary>
    private static void CreateInstants(NpgsqlConnection conn)
    {
        var rng = new Random(20261201);
        var sql = new StringBuilder($"DROP TABLE IF EXISTS {Table}; CREATE TABLE {Table} (id int4, ts timestamptz, lt timestamp, iv interval); INSERT INTO {Table} VALUES ");
        long low = new DateTimeOffset(1700, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        long high = new DateTimeOffset(2400, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        for (int i = 0; i < Instants; i++)
        {
            // Half the instants fall in 1960..2060, where DST rules change most often.
            long seconds = i % 2 == 0 ? rng.NextInt64(low, high) : rng.NextInt64(-315_619_200, 2_871_763_200);
            var utc = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(rng.Next(0, 1_000_000) * 10);
            var local = DateTimeOffset.FromUnixTimeSeconds(seconds + (rng.Next(-4, 5) * 1800));
            string iv = $"{rng.Next(-30, 30)} mons {rng.Next(-60, 60)} days {rng.Next(-100, 100)} hours";
            if (i > 0) sql.Append(',');
            sql.Append(CultureInfo.InvariantCulture, $"({i}, '{utc:yyyy-MM-dd HH:mm:ss.ffffff}+00', '{local:yyyy-MM-dd HH:mm:ss}', '{iv}')");
        }
        sql.Append($"; ANALYZE {Table}");
        PgServer.Execute(conn, sql.ToString());
    }

    private static List<string> Rows(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        using var reader = cmd.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add($"{reader.GetInt32(0)}|{reader.GetString(1)}");
        return rows;
    }

    private List<string> Oracle(string settings)
    {
        using var conn = db.Open();
        PgServer.Execute(conn, $"SET pg_fusion.enable = off; {settings}");
        return Rows(conn, Query);
    }

    private static void AssertSameRows(List<string> expected, List<string> actual, string context)
    {
        Assert.Equal(expected.Count, actual.Count);
        var wrong = expected.Zip(actual).Where(p => p.First != p.Second).Take(5).Select(p => $"PostgreSQL {p.First}\npg_fusion  {p.Second}").ToList();
        Assert.True(wrong.Count == 0, $"{context}: {expected.Zip(actual).Count(p => p.First != p.Second)} rows differ\n{string.Join("\n", wrong)}");
    }

    [Theory]
    [InlineData("America/New_York")]
    [InlineData("Europe/Berlin")]
    [InlineData("Australia/Lord_Howe")]
    [InlineData("Asia/Kathmandu")]
    [InlineData("UTC")]
    [InlineData("America/Sao_Paulo")]
    [InlineData("Europe/Dublin")]
    [InlineData("Pacific/Chatham")]
    [InlineData("America/St_Johns")]
    [InlineData("UTC+3")]
    [InlineData("<-0330>3:30<-0230>,M3.2.0,M11.1.0")]
    public void Random_instants_match_PostgreSQL_in_every_DateStyle(string zone)
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        CreateInstants(conn);
        foreach (var style in new[] { "ISO, MDY", "SQL, DMY", "Postgres, MDY", "German" })
        {
            string settings = $"SET TIME ZONE '{zone}'; SET DateStyle = '{style}'";
            PgServer.Execute(conn, $"{settings}; SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error");
            Assert.Contains("PgFusionScan", PgServer.Text(conn, $"EXPLAIN {Query}"));
            AssertSameRows(Oracle(settings), Rows(conn, Query), $"{zone}, {style}");
        }
    }

    [Fact]
    public void A_prepared_statement_runs_in_the_TimeZone_it_executes_under()
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        using var conn = db.Open();
        CreateInstants(conn);
        PgServer.Execute(conn, "SET TIME ZONE 'America/New_York'; SET DateStyle = 'ISO, MDY'; SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error");
        PgServer.Execute(conn, $"PREPARE by_zone AS {Query}");
        foreach (var zone in new[] { "America/New_York", "Asia/Kathmandu", "Europe/Berlin", "UTC+3", "America/New_York" })
        {
            PgServer.Execute(conn, $"SET TIME ZONE '{zone}'");
            Assert.Contains("PgFusionScan", PgServer.Text(conn, "EXPLAIN EXECUTE by_zone"));
            AssertSameRows(Oracle($"SET TIME ZONE '{zone}'"), Rows(conn, "EXECUTE by_zone"), zone);
        }
        Assert.NotEqual(Oracle("SET TIME ZONE 'Asia/Kathmandu'"), Oracle("SET TIME ZONE 'Europe/Berlin'")); // the zones do differ
    }
}
