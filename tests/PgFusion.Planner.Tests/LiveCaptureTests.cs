using PgFusion.Planner.Tests.Fixtures;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Planner.Tests;

/// <summary>
/// Captures every fixture query from the real PostgreSQL 15 (debug_print_rewritten + catalog SQL),
/// plans it, and checks the plan equals the golden plan of the stored fixture: the converter and the
/// stored fixtures stay true to what the server produces. PGFUSION_REGEN_FIXTURES=1 rewrites both.
/// </summary>
public sealed class LiveCaptureTests
{
    private static readonly Lazy<string> Database = new(() =>
    {
        string cs = PgServer.CreateDatabase("pgfusion_planner_tests");
        using var conn = new Npgsql.NpgsqlConnection(cs);
        conn.Open();
        foreach (var statement in FixtureQueries.Setup.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            PgServer.Execute(conn, statement);
        return cs;
    });

    public static TheoryData<string> Names => [.. FixtureQueries.All.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Captured_query_plans_like_the_stored_fixture(string name)
    {
        using var conn = new Npgsql.NpgsqlConnection(Database.Value);
        conn.Open();
        byte[] json = FixtureCapture.Capture(conn, FixtureQueries.All[name]);
        string plan = PlanText.Of(QueryPlanner.Plan(json));
        if (Fixture.Regenerate)
        {
            File.WriteAllBytes(Path.Combine(Fixture.SourceDirectory, name + ".json"), json);
            File.WriteAllText(Path.Combine(Fixture.SourceDirectory, name + ".plan.txt"), plan);
        }
        Assert.Equal(Fixture.GoldenPlan(name), plan);
    }
}
