using Npgsql;
using PgFusion.Tpch.Results;

namespace PgFusion.Cli.Commands;

/// <summary>
/// `pgfusion-cli tpch-expected [--sf 0.1] [--database tpch_sf0_1] [--port P]`: runs the 22 queries on
/// PostgreSQL (pg_fusion off when it is loaded) and writes their results to tests/tpch/expected/qNN.csv.
/// </summary>
public static class TpchExpectedCommand
{
    public static int Run(string[] args)
    {
        var options = new CommandLine(args);
        var sf = options.Double("sf", 0.1);
        var database = options.Get("database") ?? CommandLine.DatabaseFor(sf);
        using var conn = new NpgsqlConnection(options.ConnectionString(database));
        conn.Open();
        using (var off = new NpgsqlCommand("SELECT set_config('pg_fusion.enable', 'off', false) FROM pg_settings WHERE name = 'pg_fusion.enable'", conn))
            off.ExecuteNonQuery();
        var directory = TpchQuery.Directory();
        foreach (var query in TpchQuery.LoadAll(directory))
        {
            var csv = ResultText.Run(conn, query.Sql);
            File.WriteAllText(TpchQuery.ExpectedPath(query.Number, directory), csv);
            Console.Error.WriteLine($"[tpch] {query.Name}: {ResultText.RowCount(csv)} rows");
        }
        return 0;
    }
}
