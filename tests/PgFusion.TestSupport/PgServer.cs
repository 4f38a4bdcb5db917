using Npgsql;

namespace PgFusion.TestSupport;

/// <summary>
/// The real PostgreSQL 15 cluster the tests run against: the throwaway cluster `./pgfusion test`
/// starts (PGFUSION_TEST_HOST / PGFUSION_TEST_PORT), or the dev cluster `./pgfusion start` runs.
/// Each test class makes its own database so classes can run in parallel without sharing tables.
/// </summary>
public static class PgServer
{
    public static string Host => Environment.GetEnvironmentVariable("PGFUSION_TEST_HOST") ?? "127.0.0.1";

    public static int Port => int.TryParse(Environment.GetEnvironmentVariable("PGFUSION_TEST_PORT"), out var p) ? p : 54329;

    public static string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = "postgres",
            Database = database,
            Pooling = false,
            CommandTimeout = 300,
            IncludeErrorDetail = true,
        }.ConnectionString;

    public static NpgsqlConnection Open(string database = "postgres")
    {
        var conn = new NpgsqlConnection(ConnectionString(database));
        conn.Open();
        return conn;
    }

    /// <summary>Drops and creates <paramref name="name"/>, with the pg_fusion extension, and returns its connection string.</summary>
    public static string CreateDatabase(string name)
    {
        using (var admin = Open())
        {
            Execute(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            Execute(admin, $"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
        }
        using (var db = Open(name))
        {
            // A cluster started without pg_fusion (PGFUSION_PRELOAD=) still serves decoder and planner
            // tests; the extension can only be created where the library is preloaded.
            if (Scalar(db, "SELECT count(*) FROM pg_settings WHERE name = 'pg_fusion.enable'") is long n && n > 0)
                Execute(db, "CREATE EXTENSION IF NOT EXISTS pg_fusion");
        }
        return ConnectionString(name);
    }

    public static int Execute(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        return cmd.ExecuteNonQuery();
    }

    public static object? Scalar(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        return cmd.ExecuteScalar();
    }

    /// <summary>The rows of a one-column text result (EXPLAIN's lines), in order.</summary>
    public static List<string> Lines(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        using var reader = cmd.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read()) lines.Add(reader.GetString(0));
        return lines;
    }

    /// <summary>The rows of a one-column text result joined by newlines (EXPLAIN's text).</summary>
    public static string Text(NpgsqlConnection conn, string sql) => string.Join('\n', Lines(conn, sql));
}
