using Npgsql;

namespace PgFusion.Cli.Commands;

/// <summary>`--name value` options shared by the TPC-H commands, and the connection they describe.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public CommandLine(string[] args, params string[] flags)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new CliUsageException($"unexpected argument '{arg}'");
            var name = arg[2..];
            if (flags.Contains(name))
                _flags.Add(name);
            else if (i + 1 < args.Length)
                _options[name] = args[++i];
            else
                throw new CliUsageException($"option '{arg}' needs a value");
        }
    }

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    public double Double(string name, double fallback) =>
        Get(name) is not { } v ? fallback
        : double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d
        : throw new CliUsageException($"--{name} needs a number, got '{v}'");

    public int Int(string name, int fallback) => IntOrNull(name) ?? fallback;

    /// <summary>The integer given as --<paramref name="name"/>, or null when it is absent; a usage error when it is not an integer.</summary>
    public int? IntOrNull(string name) =>
        Get(name) is not { } v ? null
        : int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
        : throw new CliUsageException($"--{name} needs an integer, got '{v}'");

    /// <summary>--connection wins; otherwise 127.0.0.1, --port (or PGFUSION_PORT, 54329), user postgres.</summary>
    public string ConnectionString(string database)
    {
        var builder = Get("connection") is { } cs
            ? new NpgsqlConnectionStringBuilder(cs)
            : new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = Int("port", int.TryParse(Environment.GetEnvironmentVariable("PGFUSION_PORT"), out var p) ? p : 54329),
                Username = "postgres",
            };
        builder.Database = database;
        builder.Pooling = false;
        builder.CommandTimeout = 0;
        return builder.ConnectionString;
    }

    /// <summary>tpch_sf1, tpch_sf0_1: the database a scale factor is loaded into by default.</summary>
    public static string DatabaseFor(double scaleFactor) =>
        "tpch_sf" + scaleFactor.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture).Replace('.', '_');
}
