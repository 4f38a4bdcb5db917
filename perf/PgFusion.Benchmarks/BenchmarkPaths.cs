namespace PgFusion.Benchmarks;

/// <summary>Where the repository is: PGFUSION_ROOT, else the first folder above the binaries holding PgFusion.sln.</summary>
public static class BenchmarkPaths
{
    public static string RepositoryRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PGFUSION_ROOT");
        if (!string.IsNullOrEmpty(fromEnv))
            return fromEnv;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PgFusion.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"PgFusion.sln not found above {AppContext.BaseDirectory}; set PGFUSION_ROOT");
    }
}
