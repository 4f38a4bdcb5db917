using Npgsql;
using PgFusion.Cli.Commands;

namespace PgFusion.Cli;

/// <summary>The `pgfusion-cli` tool: one subcommand per file under Commands/, listed here.</summary>
public static class Program
{
    private static readonly ICliCommand[] Commands =
    [
        new DemoCommand(),
        new DelegateCommand("tpch-load", "generate and load TPC-H at a scale factor", "--sf N [--seed S] [--database D] [--connection CS | --port P] [--if-missing]", TpchLoadCommand.Run),
        new DelegateCommand("tpch-expected", "write PostgreSQL's TPC-H results as expected files", "--sf N [--database D] [--connection CS | --port P]", TpchExpectedCommand.Run),
        new DelegateCommand("fuzz", "property tests: generated schemas and queries, pg_fusion off vs on", "[--cases N | --minutes M] [--seed S] [--case I] [--queries Q] [--single-table] [--tolerate-error-gaps] [--work-mem KB] [--port P] [--out DIR]", FuzzCommand.Run),
        new DelegateCommand("dump", "compile-and-dump: a query's plans and every kernel as C# and IL", DumpCommand.Usage, DumpCommand.Run),
        new DelegateCommand("bench", "TPC-H benchmark: PostgreSQL (jit on/off) vs PgFusion", "[--sf N] [--queries 1,3,6] [--runs N] [--output DIR]", BenchCommand.Run),
    ];

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "-h" or "--help")
        {
            PrintUsage(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command == null)
        {
            Console.Error.WriteLine($"pgfusion-cli: unknown command '{args[0]}'");
            PrintUsage(Console.Error);
            return 2;
        }
        try
        {
            return command.Run(args[1..]);
        }
        catch (CliUsageException e)
        {
            Console.Error.WriteLine($"pgfusion-cli {command.Name}: {e.Message}");
            Console.Error.WriteLine($"usage: pgfusion-cli {command.Name} {command.Usage}");
            return 2;
        }
        catch (PostgresException e)
        {
            // A server-side error (missing database, permission, statement timeout): name it by SQLSTATE,
            // with a hint for the common one, instead of an unhandled-exception stack trace.
            Console.Error.WriteLine($"pgfusion-cli {command.Name}: PostgreSQL error {e.SqlState}: {e.MessageText}");
            if (e.Detail is { Length: > 0 } detail)
                Console.Error.WriteLine($"  detail: {detail}");
            if (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
                Console.Error.WriteLine("  hint: `./pgfusion bench --sf N` loads tpch_sf<N> first; `pgfusion-cli tpch-load --sf N --database D` loads it by hand");
            return 1;
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"pgfusion-cli {command.Name}: cannot talk to PostgreSQL: {e.Message}");
            Console.Error.WriteLine("  hint: is the cluster running? `./pgfusion start` starts the local one (port 54329)");
            return 1;
        }
    }

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("usage: pgfusion-cli COMMAND [options]");
        foreach (var c in Commands)
            w.WriteLine($"  {c.Name,-8} {c.Summary}\n           {c.Name} {c.Usage}");
    }
}
