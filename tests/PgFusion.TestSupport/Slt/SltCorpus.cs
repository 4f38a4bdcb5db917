namespace PgFusion.TestSupport.Slt;

/// <summary>Finds the repository root and the .slt files under tests/sql.</summary>
public static class SltCorpus
{
    /// <summary>PGFUSION_ROOT (set by ./pgfusion test), else the first folder above the test assembly holding PgFusion.sln.</summary>
    public static string RepositoryRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PGFUSION_ROOT");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PgFusion.sln"))) return dir.FullName;
        throw new InvalidOperationException($"PgFusion.sln not found above {AppContext.BaseDirectory}; set PGFUSION_ROOT");
    }

    public static string SqlDirectory => Path.Combine(RepositoryRoot(), "tests", "sql");

    /// <summary>Every tests/sql/**/*.slt, as paths relative to tests/sql with '/' separators, sorted.</summary>
    public static IReadOnlyList<string> Files()
    {
        var root = SqlDirectory;
        return Directory.EnumerateFiles(root, "*.slt", SearchOption.AllDirectories)
            .Where(p => p.EndsWith(".slt", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static string FullPath(string relative) => Path.Combine(SqlDirectory, relative);
}
