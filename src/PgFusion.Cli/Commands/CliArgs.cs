using System.Globalization;

namespace PgFusion.Cli.Commands;

/// <summary>`--name value` and `--flag` options; anything else is a usage error.</summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public CliArgs(string[] args, IReadOnlySet<string> valued, IReadOnlySet<string> flags)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (valued.Contains(a))
            {
                if (i + 1 >= args.Length) throw new CliUsageException($"{a} needs a value");
                _options[a] = args[++i];
            }
            else if (flags.Contains(a))
            {
                _options[a] = null;
            }
            else
            {
                throw new CliUsageException($"unknown argument '{a}'");
            }
        }
    }

    public string? Value(string name) => _options.TryGetValue(name, out var v) ? v : null;

    public bool Flag(string name) => _options.ContainsKey(name);

    public int Int(string name, int defaultValue, int min)
    {
        var v = Value(name);
        if (v == null) return defaultValue;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min)
            throw new CliUsageException($"{name} needs an integer >= {min}, got '{v}'");
        return n;
    }
}
