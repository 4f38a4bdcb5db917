using Npgsql;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// The worker orders text by bytes, maps case as glibc's C.UTF-8 does and reads UTF-8. In a
/// database whose default collation, LC_CTYPE or encoding differs, the hook sends them
/// ($.settings: lc_collate, lc_ctype, locale_provider, server_encoding) and text work the worker
/// would compute differently stays with PostgreSQL: ORDER BY and min/max of text under an ICU
/// collation, upper() under LC_CTYPE C, anything in a LATIN1 database. Work that does not depend on
/// them (equality, LIKE, numbers) is still offloaded. PostgreSQL is the oracle for every result.
/// </summary>
public sealed class DatabaseLocaleTests
{
    private const string Rows = "('A', 1), ('B', 2), ('Z', 3), ('_z', 4), ('a', 5), ('b', 6), ('é', 7), ('É', 8), ('e', 9), (NULL, 10)";

    /// <summary>Creates database <paramref name="name"/> with <paramref name="options"/> and table w(x text, n int) in it; its connection string.</summary>
    private static string CreateDatabase(string name, string options)
    {
        using (var admin = PgServer.Open())
        {
            PgServer.Execute(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            PgServer.Execute(admin, $"CREATE DATABASE \"{name}\" TEMPLATE template0 {options}");
        }
        using var db = PgServer.Open(name);
        if (PgServer.Scalar(db, "SELECT count(*) FROM pg_settings WHERE name = 'pg_fusion.enable'") is not long n || n == 0)
            Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        PgServer.Execute(db, "CREATE EXTENSION IF NOT EXISTS pg_fusion");
        PgServer.Execute(db, $"CREATE TABLE w (x text, n int); INSERT INTO w VALUES {Rows}; ANALYZE w");
        return PgServer.ConnectionString(name);
    }

    private static string Result(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        using var reader = cmd.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetValue(i).ToString())));
        return string.Join('\n', rows);
    }

    /// <summary>PostgreSQL's result (pg_fusion off) and pg_fusion's under on_unsupported = fallback: equal.</summary>
    private static void EqualsPostgres(NpgsqlConnection conn, string sql)
    {
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        string expected = Result(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = fallback");
        Assert.Equal(expected, Result(conn, sql));
    }

    /// <summary>Under on_unsupported = error the query is offloaded (its plan is PgFusionScan) and equals PostgreSQL.</summary>
    private static void Offloaded(NpgsqlConnection conn, string sql)
    {
        EqualsPostgres(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.on_unsupported = error");
        Assert.Contains("PgFusionScan", PgServer.Text(conn, "EXPLAIN " + sql));
    }

    /// <summary>Under on_unsupported = error the worker declines with 0A000 and a reason naming <paramref name="reason"/>; with fallback it equals PostgreSQL.</summary>
    private static void Declined(NpgsqlConnection conn, string sql, string reason)
    {
        EqualsPostgres(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.on_unsupported = error");
        var e = Assert.Throws<PostgresException>(() => Result(conn, sql));
        Assert.Equal("0A000", e.SqlState);
        Assert.Contains(reason, e.MessageText + " " + e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Under_an_ICU_default_collation_text_order_stays_with_PostgreSQL_and_equality_is_offloaded()
    {
        using var conn = new NpgsqlConnection(CreateDatabase("pgf_locale_icu", "ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"));
        conn.Open();
        // the collation does order differently from bytes, so an offloaded sort would be wrong
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        Assert.NotEqual(Result(conn, "SELECT x FROM w ORDER BY x COLLATE \"C\", n"), Result(conn, "SELECT x FROM w ORDER BY x, n"));

        Declined(conn, "SELECT x FROM w ORDER BY x, n", "collation");
        Declined(conn, "SELECT min(x), max(x) FROM w", "collation");
        Declined(conn, "SELECT n FROM w WHERE x < 'b' ORDER BY n", "collation");
        Declined(conn, "SELECT upper(x) FROM w ORDER BY n", "case mapping");
        Offloaded(conn, "SELECT x FROM w ORDER BY x COLLATE \"C\", n");
        Offloaded(conn, "SELECT n FROM w WHERE x = 'a' OR x IN ('Z', 'é') ORDER BY n");
        Offloaded(conn, "SELECT n, x LIKE '_z%' FROM w WHERE x <> 'b' ORDER BY n");
        Offloaded(conn, "SELECT sum(n) FROM w");
    }

    [Fact]
    public void Under_LC_CTYPE_C_case_mapping_stays_with_PostgreSQL_and_byte_order_is_offloaded()
    {
        using var conn = new NpgsqlConnection(CreateDatabase("pgf_locale_ctype_c", "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"));
        conn.Open();
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        Assert.Equal("é", Result(conn, "SELECT upper('é')")); // ASCII-only case mapping here; C.UTF-8 gives É

        Declined(conn, "SELECT upper(x), lower(x) FROM w ORDER BY n", "case mapping");
        Declined(conn, "SELECT n FROM w WHERE x ILIKE 'É' ORDER BY n", "case mapping");
        Offloaded(conn, "SELECT x, n FROM w ORDER BY x DESC NULLS LAST, n");
        Offloaded(conn, "SELECT min(x), max(x), count(DISTINCT x) FROM w");
    }

    [Fact]
    public void A_database_not_in_UTF8_stays_with_PostgreSQL()
    {
        using var conn = new NpgsqlConnection(CreateDatabase("pgf_locale_latin1", "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'"));
        conn.Open();
        Declined(conn, "SELECT x, length(x), octet_length(x) FROM w ORDER BY n", "LATIN1");
        Declined(conn, "SELECT sum(n) FROM w", "LATIN1");
    }
}
