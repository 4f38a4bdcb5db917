namespace PgFusion.Planner.Tests.Fixtures;

/// <summary>Loads a captured fixture and its golden plan from the test output folder.</summary>
public static class Fixture
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static byte[] Json(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".json"));

    public static string GoldenPlan(string name) => File.ReadAllText(Path.Combine(Directory, name + ".plan.txt"));

    /// <summary>The source folder (for regenerating fixtures with PGFUSION_REGEN_FIXTURES=1).</summary>
    public static string SourceDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PgFusion.Planner.Tests.csproj"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("test project folder not found"), "Fixtures");
        }
    }

    public static bool Regenerate => Environment.GetEnvironmentVariable("PGFUSION_REGEN_FIXTURES") == "1";
}
