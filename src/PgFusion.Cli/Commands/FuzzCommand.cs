using System.Globalization;
using PgFusion.Fuzz;
using PgFusion.Fuzz.Running;

namespace PgFusion.Cli.Commands;

/// <summary>
/// `pgfusion-cli fuzz [--cases N | --minutes M] [--seed S] [--case I] [--queries Q] [--single-table]
/// [--tolerate-error-gaps] [--work-mem KB] [--database D] [--port P | --connection CS] [--out DIR]`: a property-testing
/// campaign comparing pg_fusion off and on over generated schemas and queries. `--work-mem` sets pg_fusion.work_mem
/// for the campaign's database, so buffering operators spill (a replay needs the same flag). Exit code 1 when a
/// mismatch was found.
/// </summary>
public static class FuzzCommand
{
    public static int Run(string[] args)
    {
        var options = new CommandLine(args, "single-table", "tolerate-error-gaps");
        var seed = options.Get("seed") is { } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : (ulong)Environment.TickCount64;
        var single = options.Get("case") is { } c ? int.Parse(c, CultureInfo.InvariantCulture) : (int?)null;
        var minutes = options.Double("minutes", 0);
        var fuzz = new FuzzOptions
        {
            QueriesPerCase = options.Int("queries", 10),
            SingleTableOnly = options.Flag("single-table"),
            MaxRows = options.Int("max-rows", 2500),
            TolerateErrorGaps = options.Flag("tolerate-error-gaps"),
        };
        // A replay (--case) gets a database of its own: recreating a running campaign's would end its session (57P01).
        var database = options.Get("database") ?? (single is null ? "pgfusion_fuzz" : "pgfusion_fuzz_replay");
        var cs = FuzzDatabase.Prepare(options.ConnectionString("postgres"), database, options.IntOrNull("work-mem"));
        using var db = new FuzzDatabase(cs);
        var runner = FuzzCampaign.Run(db, fuzz, seed, single ?? options.Int("first", 0), single != null ? 1 : options.Int("cases", 100),
            single == null && minutes > 0 ? TimeSpan.FromMinutes(minutes) : null, options.Get("out") ?? ".pgfusion/fuzz-failures", Console.Out);
        if (runner.Failures.Count == 0) return 0;
        Console.WriteLine($"{runner.Failures.Count} mismatches; replay each with the command in its header");
        return 1;
    }
}
