using PgFusion.Planner.Json;
using PgFusion.Planner.Tests.Fixtures;
using Xunit;

namespace PgFusion.Planner.Tests.JoinOrder;

/// <summary>The envelope's settings.join_pair_budget (GUC pg_fusion.join_pair_budget) reaches DPHyp, and EXPLAIN names the greedy fallback.</summary>
public sealed class PairBudgetSettingTests
{
    private static byte[] WithSettings(string settings) => Fixture.JsonWithSettings("join_three_way_reordered", settings);

    [Fact]
    public void Default_budget_orders_exactly_and_explain_says_nothing()
    {
        var result = QueryPlanner.Plan(Fixture.Json("join_three_way_reordered"));
        Assert.True(result.IsSupported, result.UnsupportedReason);
        Assert.DoesNotContain("Join Order:", result.Plan!.Explain, StringComparison.Ordinal);
        Assert.Empty(result.Plan.Notes);
    }

    [Fact]
    public void A_budget_below_the_pair_count_falls_back_to_greedy_and_explain_names_it()
    {
        var result = QueryPlanner.Plan(WithSettings("{\"join_pair_budget\": 1}"));
        Assert.True(result.IsSupported, result.UnsupportedReason);
        var note = Assert.Single(result.Plan!.Notes);
        Assert.StartsWith("Join Order: greedy (DPHyp pair budget of 1 csg-cmp pairs exceeded", note, StringComparison.Ordinal);
        Assert.Contains(note, result.Plan.Explain, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_budget_keeps_the_exact_order()
    {
        var exact = QueryPlanner.Plan(Fixture.Json("join_three_way_reordered"));
        var large = QueryPlanner.Plan(WithSettings("{\"join_pair_budget\": 1000000}"));
        Assert.Equal(exact.Plan!.Explain, large.Plan!.Explain);
    }

    [Theory]
    [InlineData("{\"join_pair_budget\": 0}", "$.settings.join_pair_budget")]
    [InlineData("{\"join_pair_budget\": \"many\"}", "$.settings.join_pair_budget")]
    [InlineData("{\"join_pair_budget\": 10, \"hash_mem_kb\": 63}", "$.settings.hash_mem_kb")]
    [InlineData("{\"join_pair_budget\": 10, \"hash_mem_kb\": \"8MB\"}", "$.settings.hash_mem_kb")]
    public void A_bad_budget_is_a_typed_error_naming_its_path(string settings, string path)
    {
        var e = Assert.Throws<QueryJsonException>(() => QueryPlanner.Plan(WithSettings(settings)));
        Assert.Equal(path, e.JsonPath);
    }
}
