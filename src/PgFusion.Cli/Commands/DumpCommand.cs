using Npgsql;
using PgFusion.Codegen.Dump;
using PgFusion.Planner.Json;

namespace PgFusion.Cli.Commands;

/// <summary>
/// `pgfusion-cli dump FILE.json` or `pgfusion-cli dump --sql "SELECT ..." [--connection CS | --port P]
/// [--database D]`: compile-and-dump offline. The JSON is a query tree as the hook sends it (a file,
/// or fetched through pg_fusion_query_tree, which needs the extension in that database; the server
/// need not run the worker). Prints the logical plan after binding (and after every rule with
/// --every-rule), the optimized logical plan, the physical plan, and every kernel as C# and IL
/// (--no-il leaves the IL out); --save-json F also writes the JSON it planned.
/// </summary>
public static class DumpCommand
{
    public const string Usage = "FILE.json | --sql SQL [--connection CS | --port P] [--database D] [--every-rule] [--no-il] [--save-json F]";

    public static int Run(string[] args)
    {
        string? file = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : null;
        var options = new CommandLine(file is null ? args : args[1..], "every-rule", "no-il");
        var sql = options.Get("sql");
        if ((file is null) == (sql is null))
            throw new CliUsageException("give either a JSON file or --sql");
        byte[] json = file is not null ? ReadFile(file) : FetchTree(options, sql!);
        if (options.Get("save-json") is { } save) File.WriteAllBytes(save, json);
        FullDump dump;
        try
        {
            dump = CompileAndDump.Run(json);
        }
        catch (QueryJsonException e)
        {
            Console.Error.WriteLine($"pgfusion-cli dump: {e.Message}");
            return 1;
        }
        Console.WriteLine(dump.ToText(everyRule: options.Flag("every-rule"), il: !options.Flag("no-il")));
        return dump.UnsupportedReason is null ? 0 : 3;
    }

    private static byte[] ReadFile(string file)
    {
        if (!File.Exists(file)) throw new CliUsageException($"no such file: {file}");
        return File.ReadAllBytes(file);
    }

    private static byte[] FetchTree(CommandLine options, string sql)
    {
        string database = options.Get("database")
            ?? (options.Get("connection") is { } cs ? new NpgsqlConnectionStringBuilder(cs).Database : null)
            ?? "postgres";
        using var conn = new NpgsqlConnection(options.ConnectionString(database));
        conn.Open();
        using var cmd = new NpgsqlCommand("SELECT pg_fusion_query_tree($1)::text", conn);
        cmd.Parameters.AddWithValue(sql);
        return System.Text.Encoding.UTF8.GetBytes((string)cmd.ExecuteScalar()!);
    }
}
