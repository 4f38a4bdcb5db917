using PgFusion.Planner.Tests.Fixtures;
using Xunit;

namespace PgFusion.Planner.Tests;

/// <summary>Plans the stored fixtures (no server needed) and compares with the golden plan text.</summary>
public sealed class GoldenPlanTests
{
    public static TheoryData<string> Names => [.. FixtureQueries.All.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Stored_fixture_plans_as_golden(string name) =>
        Assert.Equal(Fixture.GoldenPlan(name), PlanText.Of(QueryPlanner.Plan(Fixture.Json(name))));
}
