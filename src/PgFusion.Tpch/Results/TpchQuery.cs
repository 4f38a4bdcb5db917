namespace PgFusion.Tpch.Results;

/// <summary>One of the 22 TPC-H queries as kept under tests/tpch/queries (qNN.sql).</summary>
public sealed record TpchQuery(int Number, string Sql)
{
    public string Name => $"q{Number:D2}";

    /// <summary>The repository folder holding queries/ and expected/: PGFUSION_ROOT, else the nearest parent with tests/tpch.</summary>
    public static string Directory()
    {
        var roots = new[] { Environment.GetEnvironmentVariable("PGFUSION_ROOT"), System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory };
        foreach (var start in roots)
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "tpch");
                if (System.IO.Directory.Exists(Path.Combine(candidate, "queries")))
                    return candidate;
            }
        }
        throw new DirectoryNotFoundException("tests/tpch/queries not found above the current directory; set PGFUSION_ROOT to the repository");
    }

    public static TpchQuery Load(int number, string? directory = null)
    {
        if (number is < 1 or > 22)
            throw new ArgumentOutOfRangeException(nameof(number), number, "TPC-H has queries 1 to 22");
        var path = Path.Combine(directory ?? Directory(), "queries", $"q{number:D2}.sql");
        // The files end with ';' for psql; a command sent through Npgsql must not, or EXPLAIN could not prefix it.
        return new TpchQuery(number, File.ReadAllText(path).Trim().TrimEnd(';'));
    }

    public static IReadOnlyList<TpchQuery> LoadAll(string? directory = null) =>
        Enumerable.Range(1, 22).Select(n => Load(n, directory)).ToList();

    public static string ExpectedPath(int number, string? directory = null) =>
        Path.Combine(directory ?? Directory(), "expected", $"q{number:D2}.csv");
}
