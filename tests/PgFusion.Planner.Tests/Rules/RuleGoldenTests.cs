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
        { "join_left_residual", "predicate_pushdown" },
        { "join_three_way_reordered", "join_reorder" },
        { "group_having_order_limit", "limit_sort_to_topn" },
        { "group_by_primary_key", "functional_dependency_grouping" },
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
