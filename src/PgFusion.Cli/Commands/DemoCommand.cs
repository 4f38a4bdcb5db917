using System.Globalization;
using Npgsql;
using PgFusion.Cli.Demo;

namespace PgFusion.Cli.Commands;

/// <summary>
/// `demo`: creates the demo database when missing, loads the `sales` table when it is not already
/// there, runs analytical queries with pg_fusion off and on, and prints results and timings side
/// by side. Reruns skip the load, so they are quick.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    private const string DefaultDatabase = "pgfusion_demo";

    public string Name => "demo";

    public string Summary => "load the demo data set and compare analytical queries with pg_fusion off and on";

    public string Usage => "--connection <connstr> [--database pgfusion_demo] [--rows 2000000] [--runs 3] [--reload]";

    public int Run(string[] args)
    {
        var options = new CliArgs(args, new HashSet<string> { "--connection", "--database", "--rows", "--runs" }, new HashSet<string> { "--reload" });
        var connection = options.Value("--connection") ?? throw new CliUsageException("--connection is required");
        var database = options.Value("--database") ?? DefaultDatabase;
        var rows = options.Int("--rows", 2_000_000, 1);
        var runs = options.Int("--runs", 3, 1);

        var demoConnection = new NpgsqlConnectionStringBuilder(connection) { Database = database, CommandTimeout = 0 }.ConnectionString;
        try
        {
            EnsureDatabase(connection, database);
            using var conn = new NpgsqlConnection(demoConnection);
            conn.Open();
            var fusion = PrepareFusion(conn);
            if (!options.Flag("--reload") && DemoDataSet.IsLoaded(conn, rows))
            {
                Console.WriteLine($"demo data present in database {database} ({rows:N0} rows in sales): skipping the load");
            }
            else
            {
                Console.WriteLine($"loading {rows:N0} rows into {database}.sales");
                DemoDataSet.Load(conn, rows, Console.Out);
            }
            return RunQueries(conn, fusion, runs);
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"pgfusion-cli demo: {e.Message}");
            return 1;
        }
    }

    private static void EnsureDatabase(string connection, string database)
    {
        using var admin = new NpgsqlConnection(connection);
        admin.Open();
        using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", admin) { Parameters = { new() { Value = database } } };
        if (exists.ExecuteScalar() is long n && n > 0) return;
        Console.WriteLine($"creating database {database}");
        using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", admin);
        create.ExecuteNonQuery();
    }

    /// <summary>Creates the extension when it is installed; true when pg_fusion is loaded (its GUC is real, not a placeholder).</summary>
    private static bool PrepareFusion(NpgsqlConnection conn)
    {
        var loaded = Scalar(conn, "SELECT count(*) FROM pg_settings WHERE name = 'pg_fusion.enable'") is long l && l > 0;
        var available = Scalar(conn, "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_fusion'") is long a && a > 0;
        if (loaded && available) Execute(conn, "CREATE EXTENSION IF NOT EXISTS pg_fusion");
        Console.WriteLine(loaded
            ? $"pg_fusion is loaded ({Scalar(conn, "SELECT version()")})"
            : "pg_fusion is NOT loaded in this cluster (shared_preload_libraries): showing PostgreSQL alone");
        return loaded;
    }

    private static int RunQueries(NpgsqlConnection conn, bool fusion, int runs)
    {
        Console.WriteLine();
        Console.WriteLine($"{"query",-28} {"rows",6} {"ms off",9} {"ms on",9} {"speedup",8}  {"identical",-9}  note");
        Console.WriteLine(new string('-', 90));
        var allIdentical = true;
        foreach (var q in DemoQuery.All)
        {
            SetFusion(conn, fusion, false);
            var off = TextResult.Run(conn, q.Sql);
            var offMs = BestOf(conn, q.Sql, runs);
            string onMs = "n/a", speedup = "n/a", identical = "n/a", note = "";
            if (fusion)
            {
                SetFusion(conn, true, true);
                try
                {
                    var on = TextResult.Run(conn, q.Sql);
                    var same = off.SameAs(on, q.Ordered);
                    allIdentical &= same;
                    identical = same ? "yes" : "NO";
                    var ms = BestOf(conn, q.Sql, runs);
                    onMs = ms.ToString("F1", CultureInfo.InvariantCulture);
                    speedup = (offMs / ms).ToString("F2", CultureInfo.InvariantCulture) + "x";
                    var plan = string.Join('\n', TextResult.Run(conn, "EXPLAIN (COSTS OFF) " + q.Sql).Rows.Select(r => r[0]));
                    note = plan.Contains("PgFusionScan", StringComparison.Ordinal) ? "offloaded" : "fell back to PostgreSQL (no PgFusionScan in EXPLAIN)";
                }
                catch (PostgresException e)
                {
                    allIdentical = false;
                    identical = "NO";
                    note = $"ERROR {e.SqlState}: {e.MessageText}";
                }
                SetFusion(conn, true, false);
            }
            Console.WriteLine($"{q.Name,-28} {off.Rows.Count,6} {offMs,9:F1} {onMs,9} {speedup,8}  {identical,-9}  {note}");
        }
        Console.WriteLine();
        Console.WriteLine($"ms = best of {runs} runs after one warm-up run (whose full results are the ones compared).");
        if (!fusion) return 0;
        Console.WriteLine(allIdentical ? "All results identical with pg_fusion off and on." : "Some results DIFFER between pg_fusion off and on.");
        return allIdentical ? 0 : 1;
    }

    private static double BestOf(NpgsqlConnection conn, string sql, int runs)
    {
        var best = double.MaxValue;
        for (var i = 0; i < runs; i++) best = Math.Min(best, TextResult.Run(conn, sql).Elapsed.TotalMilliseconds);
        return best;
    }

    private static void SetFusion(NpgsqlConnection conn, bool loaded, bool on)
    {
        if (loaded) Execute(conn, $"SET pg_fusion.enable = {(on ? "on" : "off")}");
    }

    private static void Execute(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        return cmd.ExecuteScalar();
    }
}
