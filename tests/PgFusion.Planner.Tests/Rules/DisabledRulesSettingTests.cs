using PgFusion.Planner.Json;
using PgFusion.Planner.Tests.Fixtures;
using Xunit;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// The envelope's settings.disabled_rules (GUC pg_fusion.disabled_rules, comma-separated) turns
/// rules off as <see cref="PlannerOptions.DisabledRules"/> does; a name of no rule makes the query
/// Unsupported naming the setting and the rules; a value that is not a string is a typed error.
/// </summary>
public sealed class DisabledRulesSettingTests
{
    private const string FixtureName = "union_all_mixed_types";

    private static byte[] WithSettings(string settings) => Fixture.JsonWithSettings(FixtureName, settings);

    [Fact]
    public void A_rule_the_session_disables_does_not_run()
    {
        var byOption = QueryPlanner.Plan(Fixture.Json(FixtureName), PlannerOptions.Default with { DisabledRules = ["limit_pushdown"] });
        var bySetting = QueryPlanner.Plan(WithSettings("{\"disabled_rules\": \" Limit_Pushdown ,\"}"));
        var enabled = QueryPlanner.Plan(Fixture.Json(FixtureName));
        Assert.True(bySetting.IsSupported, bySetting.UnsupportedReason);
        Assert.Equal(PlanText.Of(byOption), PlanText.Of(bySetting));
        Assert.NotEqual(PlanText.Of(enabled), PlanText.Of(bySetting));
    }

    [Fact]
    public void Two_rules_separated_by_a_comma_are_both_off()
    {
        var byOption = QueryPlanner.Plan(Fixture.Json(FixtureName), PlannerOptions.Default with { DisabledRules = ["limit_pushdown", "limit_sort_to_topn"] });
        var bySetting = QueryPlanner.Plan(WithSettings("{\"disabled_rules\": \"limit_pushdown,limit_sort_to_topn\"}"));
        Assert.Equal(PlanText.Of(byOption), PlanText.Of(bySetting));
        Assert.DoesNotContain("Top-N", PlanText.Of(bySetting), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_setting_disables_nothing()
    {
        var enabled = QueryPlanner.Plan(Fixture.Json(FixtureName));
        Assert.Equal(PlanText.Of(enabled), PlanText.Of(QueryPlanner.Plan(WithSettings("{\"disabled_rules\": \"\"}"))));
    }

    [Fact]
    public void An_unknown_rule_name_is_unsupported_naming_the_setting_and_the_rules()
    {
        var result = QueryPlanner.Plan(WithSettings("{\"disabled_rules\": \"limit_pushdown,no_such_rule\"}"));
        Assert.False(result.IsSupported);
        Assert.Contains("pg_fusion.disabled_rules", result.UnsupportedReason, StringComparison.Ordinal);
        Assert.Contains("no_such_rule", result.UnsupportedReason, StringComparison.Ordinal);
        Assert.Contains("limit_pushdown", result.UnsupportedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_is_not_a_string_is_a_typed_error_naming_its_path()
    {
        var e = Assert.Throws<QueryJsonException>(() => QueryPlanner.Plan(WithSettings("{\"disabled_rules\": 3}")));
        Assert.Equal("$.settings.disabled_rules", e.JsonPath);
    }
}
