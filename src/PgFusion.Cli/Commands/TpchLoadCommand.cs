using PgFusion.Tpch.Loading;

namespace PgFusion.Cli.Commands;

/// <summary>
/// `pgfusion-cli tpch-load [--sf 1] [--seed 0] [--database tpch_sf1] [--port P | --connection CS] [--if-missing]`:
/// creates the database when needed and loads TPC-H into it (skipped with --if-missing when the same
/// scale factor and seed are already there).
/// </summary>
public static class TpchLoadCommand
{
    public static int Run(string[] args)
    {
        var options = new CommandLine(args, "if-missing");
        var sf = options.Double("sf", 1);
        var seed = (ulong)options.Int("seed", 0);
        var database = options.Get("database") ?? CommandLine.DatabaseFor(sf);
        TpchLoader.EnsureDatabase(options.ConnectionString("postgres"), database);
        var cs = options.ConnectionString(database);
        if (options.Flag("if-missing") && TpchLoader.IsLoaded(cs, sf, seed))
        {
            Console.Error.WriteLine($"[tpch] {database} already holds SF {sf} (seed {seed})");
            return 0;
        }
        var report = TpchLoader.Load(cs, sf, seed, Console.Error);
        foreach (var (table, rows) in report.RowCounts.OrderBy(kv => kv.Key))
            Console.WriteLine($"{table,-10} {rows,12:N0} rows");
        Console.WriteLine($"load SF {sf} into {database}: copy {report.CopyTime.TotalSeconds:F1}s, indexes {report.IndexTime.TotalSeconds:F1}s, " +
            $"vacuum analyze {report.VacuumAnalyzeTime.TotalSeconds:F1}s, total {report.TotalTime.TotalSeconds:F1}s");
        return 0;
    }
}
