using PgFusion.Planner.Json;
using PgFusion.Planner.Rules;
using PgFusion.Planner.Tests.Fixtures;
using Xunit;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// The rule driver (<see cref="Optimizer"/>): every rule the planner runs can be turned off by its
/// name (the rule then does not run and the query still plans), an unknown name is refused naming
/// the rules, and every rule has a golden before/after test in <see cref="RuleGoldenTests"/>.
/// </summary>
public sealed class RuleDriverTests
{
    private static IReadOnlyList<string> RuleNames => [.. Optimizer.RulesFor(QueryCatalog.Empty).Select(r => r.Name)];

    public static TheoryData<string> Names => [.. RuleNames];

    [Fact]
    public void Rule_names_are_distinct() => Assert.Equal(RuleNames.Count, RuleNames.Distinct().Count());

    [Theory]
    [MemberData(nameof(Names))]
    public void A_rule_turned_off_by_name_does_not_run_and_the_query_still_plans(string rule)
    {
        byte[] json = Fixture.Json("join_three_way_reordered");
        var all = QueryPlanner.ExplainRules(json).Select(s => s.Stage).ToList();
        Assert.Contains(rule, all);

        var stages = QueryPlanner.ExplainRules(json, PlannerOptions.Default with { DisabledRules = [rule] }).Select(s => s.Stage).ToList();
        Assert.DoesNotContain(rule, stages);
        Assert.DoesNotContain("unsupported", stages);
        Assert.Equal(all.Where(s => s != rule), stages);
        Assert.True(QueryPlanner.Plan(json, PlannerOptions.Default with { DisabledRules = [rule] }).IsSupported);
    }

    [Fact]
    public void Turning_off_join_reorder_keeps_the_written_join_order()
    {
        byte[] json = Fixture.Json("join_three_way_reordered");
        string reordered = PlanText.Of(QueryPlanner.Plan(json));
        string written = PlanText.Of(QueryPlanner.Plan(json, PlannerOptions.Default with { DisabledRules = ["join_reorder"] }));
        Assert.NotEqual(reordered, written);
    }

    /// <summary>
    /// With subquery_decorrelation off, a sub-query that has to become a semi, anti or left join is
    /// Unsupported (PostgreSQL runs the query) naming the disabled rule; the query plans with it on.
    /// </summary>
    [Theory]
    [InlineData("semi_exists_correlated", "EXISTS subquery")]
    [InlineData("anti_not_in", "NOT IN subquery")]
    [InlineData("scalar_correlated", "scalar subquery")]
    [InlineData("in_in_select_list", "subquery inside an expression")]
    public void Turning_off_subquery_decorrelation_makes_a_subquery_join_unsupported(string fixture, string construct)
    {
        byte[] json = Fixture.Json(fixture);
        Assert.True(QueryPlanner.Plan(json).IsSupported);
        var off = QueryPlanner.Plan(json, PlannerOptions.Default with { DisabledRules = ["subquery_decorrelation"] });
        Assert.False(off.IsSupported);
        Assert.Contains(construct, off.UnsupportedReason, StringComparison.Ordinal);
        Assert.Contains("subquery_decorrelation rewrite rule, which is disabled", off.UnsupportedReason, StringComparison.Ordinal);
        var stages = QueryPlanner.ExplainRules(json, PlannerOptions.Default with { DisabledRules = ["subquery_decorrelation"] }).Select(s => s.Stage).ToList();
        Assert.Equal(["bind", "unsupported"], stages);
    }

    /// <summary>
    /// An uncorrelated one-row scalar sub-query is an InitPlan to PostgreSQL and a cross join here,
    /// made by the binder: it plans, as the same plan, with subquery_decorrelation off.
    /// </summary>
    [Fact]
    public void An_uncorrelated_scalar_subquery_plans_with_subquery_decorrelation_off()
    {
        byte[] json = Fixture.Json("scalar_uncorrelated_single_row");
        string on = PlanText.Of(QueryPlanner.Plan(json));
        string off = PlanText.Of(QueryPlanner.Plan(json, PlannerOptions.Default with { DisabledRules = ["subquery_decorrelation"] }));
        Assert.Equal(on, off);
    }

    [Fact]
    public void An_unknown_rule_name_is_refused_naming_the_rules()
    {
        var e = Assert.Throws<ArgumentException>(() => QueryPlanner.Plan(Fixture.Json("join_inner"), PlannerOptions.Default with { DisabledRules = ["no_such_rule"] }));
        Assert.Contains("no_such_rule", e.Message, StringComparison.Ordinal);
        Assert.Contains("join_reorder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_rule_has_a_golden_before_after_test()
    {
        var covered = RuleGoldenTests.Cases.Select(c => (string)c[1]).ToHashSet();
        string missing = string.Join(", ", RuleNames.Where(r => !covered.Contains(r)));
        Assert.True(missing.Length == 0, $"rules without a golden before/after test: {missing}");
    }
}
