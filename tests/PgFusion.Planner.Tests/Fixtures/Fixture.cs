namespace PgFusion.Planner.Tests.Fixtures;

/// <summary>Loads a captured fixture and its golden plan from the test output folder.</summary>
public static class Fixture
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static byte[] Json(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".json"));

    /// <summary>Fixture <paramref name="name"/> with a <c>settings</c> member (JSON text) inserted after its version.</summary>
    public static byte[] JsonWithSettings(string name, string settings)
    {
        string json = System.Text.Encoding.UTF8.GetString(Json(name));
        int at = json.IndexOf("\"version\": 1,", StringComparison.Ordinal);
        if (at < 0) throw new InvalidOperationException($"fixture {name} has no version member");
        at += "\"version\": 1,".Length;
        return System.Text.Encoding.UTF8.GetBytes(json[..at] + $"\"settings\": {settings}," + json[at..]);
    }

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
