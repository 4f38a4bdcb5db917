using PgFusion.Planner.Json;
using PgFusion.Planner.Tests.Fixtures;
using Xunit;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// A golden before/after plan per rewrite rule: the logical plan just before the rule runs and
/// just after, for a stored fixture (Fixtures/&lt;fixture&gt;.&lt;rule&gt;.txt). The stages come from
/// <see cref="QueryPlanner.ExplainRules"/>, as pg_fusion_explain shows them.
/// PGFUSION_REGEN_FIXTURES=1 rewrites the golden files.
/// </summary>
public sealed class RuleGoldenTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "outer_join_to_inner", "outer_join_simplification" },
        { "full_join_to_left", "outer_join_simplification" },
        { "outer_join_under_inner", "outer_join_simplification" },
        { "outer_join_kept", "outer_join_simplification" },
        { "derived_output_above_join", "pulled_up_output_lift" },
        { "equivalence_class_constant", "equivalence_constants" },
        { "outer_join_kept", "equivalence_constants" },
        { "join_left_residual", "predicate_pushdown" },
        { "join_three_way_reordered", "join_reorder" },
        { "group_having_order_limit", "limit_sort_to_topn" },
        { "group_by_primary_key", "functional_dependency_grouping" },
        { "all_uncorrelated", "empty_mark_join" },
        { "count_star", "constant_folding" },
        { "count_star", "predicate_simplification" },
        { "count_star", "projection_pruning" },
        { "or_over_both_join_inputs", "or_restriction" },
        { "constants", "qual_ordering" },
        { "join_where_false", "one_time_filter" },
        { "grouped_having_false", "one_time_filter" },
        { "in_in_select_list", "shared_subplan" },
        { "semi_exists_correlated", "subquery_decorrelation" },
        { "anti_not_in", "subquery_decorrelation" },
        { "scalar_correlated", "subquery_decorrelation" },
        { "in_in_select_list", "subquery_decorrelation" },
        { "left_join_order_limit", "limit_pushdown" },
        { "limit_offset_project", "limit_pushdown" },
        { "union_all_limit", "limit_pushdown" },
        { "union_all_mixed_types", "limit_pushdown" },
        { "inner_join_limit_kept", "limit_pushdown" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rule_rewrites_the_fixture_as_golden(string fixture, string rule)
    {
        byte[] json = Fixture.Json(fixture);
        var stages = QueryPlanner.ExplainRules(json, PlannerOptions.Default with { IsStrictFunction = ComparisonFunctions(json) });
        int at = stages.ToList().FindIndex(s => s.Stage == rule);
        Assert.True(at > 0, $"rule {rule} did not run: stages {string.Join(", ", stages.Select(s => s.Stage))}");
        string text = $"-- before {rule} (after {stages[at - 1].Stage})\n{stages[at - 1].Plan.TrimEnd()}\n-- after {rule}\n{stages[at].Plan.TrimEnd()}\n";
        string path = $"{fixture}.{rule}.txt";
        if (Fixture.Regenerate) File.WriteAllText(Path.Combine(Fixture.SourceDirectory, path), text);
        Assert.Equal(File.ReadAllText(Path.Combine(Fixture.Directory, path)), text);
    }

    /// <summary>
    /// Each rule's goldens show it rewriting something: for at least one of its fixtures the plan
    /// after the rule differs from the plan before it (a golden may also show a plan the rule keeps).
    /// </summary>
    [Fact]
    public void Every_rule_rewrites_at_least_one_of_its_golden_fixtures()
    {
        var unchanged = Cases.Select(c => ((string)c[0], (string)c[1])).GroupBy(c => c.Item2)
            .Where(rule => !rule.Any(c => Rewrites(File.ReadAllText(Path.Combine(Fixture.Directory, $"{c.Item1}.{c.Item2}.txt")))))
            .Select(rule => rule.Key).ToList();
        Assert.True(unchanged.Count == 0, $"rules whose goldens show no rewrite: {string.Join(", ", unchanged)}");
    }

    private static bool Rewrites(string golden)
    {
        int after = golden.IndexOf("\n-- after ", StringComparison.Ordinal);
        int beforePlan = golden.IndexOf('\n', StringComparison.Ordinal) + 1;
        int afterPlan = golden.IndexOf('\n', after + 1) + 1;
        return golden[beforePlan..(after + 1)] != golden[afterPlan..];
    }

    /// <summary>The functions of the fixture's comparison operators: PostgreSQL's built-in comparisons are strict.</summary>
    private static Func<uint, bool> ComparisonFunctions(byte[] json)
    {
        using var envelope = QueryEnvelopeReader.Read(json);
        var strict = envelope.Catalog.Operators.Values
            .Where(o => o.Name is "=" or "<>" or "<" or "<=" or ">" or ">=")
            .Select(o => o.FuncId).ToHashSet();
        return strict.Contains;
    }
}
