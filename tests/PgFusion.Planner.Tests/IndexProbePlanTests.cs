using System.Text.Json.Nodes;
using PgFusion.Planner.Physical;
using PgFusion.Planner.Tests.Fixtures;
using Xunit;

namespace PgFusion.Planner.Tests;

/// <summary>
/// Index-probe join choices on stored fixtures whose relations are given an index and a size (the
/// captured fixtures hold small tables without indexes): probing below a grouping, from the
/// preserved side of a left join, into the kept side of a semi join, and the index correlation's
/// share in the probe's cost.
/// </summary>
public sealed class IndexProbePlanTests
{
    /// <summary>The fixture with relation <paramref name="relation"/> at 1200 pages and 120000 rows, a btree index on <paramref name="keys"/>, and its first key column's correlation set.</summary>
    private static PlannedQuery PlanWithIndex(string fixture, string relation, int[] keys, double? correlation)
    {
        var root = JsonNode.Parse(Fixture.Json(fixture))!.AsObject();
        var rel = root["relations"]!.AsArray().Single(r => (string?)r!["name"] == relation)!.AsObject();
        rel["relpages"] = 1200;
        rel["reltuples"] = 120000;
        var index = new JsonObject { ["oid"] = 990001, ["name"] = relation + "_probe_idx", ["am"] = "btree", ["unique"] = false, ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode)k)]) };
        rel["indexes"] = new JsonArray(index);
        foreach (var s in rel["stats"]!.AsArray())
            if ((int)s!["attnum"]! == keys[0]) s["correlation"] = correlation;
        var result = QueryPlanner.Plan(System.Text.Encoding.UTF8.GetBytes(root.ToJsonString()));
        Assert.True(result.IsSupported, result.UnsupportedReason);
        return result.Plan!;
    }

    private static IEnumerable<PhysicalPlan> Nodes(PhysicalPlan plan) => plan is PhysicalIndexProbeJoin p
        ? [plan, .. Nodes(p.Join.Probe), .. Nodes(p.Join.Build)]
        : [plan, .. plan.Children.SelectMany(Nodes)];

    private static PhysicalIndexProbeJoin? ProbeJoin(PlannedQuery plan) => Nodes(plan.Root).OfType<PhysicalIndexProbeJoin>().SingleOrDefault();

    [Fact]
    public void Left_join_to_a_grouped_subquery_probes_below_the_aggregate()
    {
        // SELECT a, (SELECT max(w) FROM u WHERE u.a = t.b) FROM t WHERE a < 20: 20 keys, u grouped by a.
        var plan = PlanWithIndex("scalar_correlated", "u", [1], 0);
        var probe = ProbeJoin(plan);
        Assert.NotNull(probe);
        Assert.Equal(HashJoinKind.ProbeOuter, probe.Join.Kind);
        Assert.Equal("u", probe.InnerScan.Relation.Name);
        var aggregate = Assert.Single(Nodes(probe.Join.Build).OfType<PhysicalHashAggregate>());
        Assert.Contains(probe.InnerScan, Nodes(aggregate.Input));
        Assert.Contains("Index Probe Probe-Outer Join using u_probe_idx", plan.Explain, StringComparison.Ordinal);
    }

    [Fact]
    public void Grouping_by_a_column_other_than_the_join_key_is_not_probed()
    {
        // u grouped by a; an index on w (attnum 3) is no group key the join compares.
        var plan = PlanWithIndex("scalar_correlated", "u", [3], 0);
        Assert.Null(ProbeJoin(plan));
    }

    [Fact]
    public void Semi_join_probes_the_index_of_its_large_kept_side()
    {
        // SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a AND u.w > 10): t large, u small.
        var plan = PlanWithIndex("semi_exists_correlated", "t", [1], 0);
        var probe = ProbeJoin(plan);
        Assert.NotNull(probe);
        Assert.Equal(HashJoinKind.BuildSemi, probe.Join.Kind);
        Assert.True(probe.Join.BuildIsLeft);
        Assert.Equal("t", probe.InnerScan.Relation.Name);
        Assert.Equal("u", Assert.IsType<PhysicalScan>(Nodes(probe.Join.Probe).OfType<PhysicalScan>().Single()).Relation.Name);
    }

    [Theory]
    [InlineData(1.0, true)]
    [InlineData(-1.0, true)]
    [InlineData(0.0, false)]
    [InlineData(null, false)]
    [InlineData(0.3, false)]
    public void Correlation_decides_a_probe_of_1000_keys(double? correlation, bool probed)
    {
        // 1000 keys, one row each, 100 rows a page: 5500 units uncorrelated, 4080 correlated; the
        // scan costs 9600 and the probe must stay under half of it.
        var plan = PlanWithIndex("semi_exists_correlated", "u", [1], correlation);
        var probe = ProbeJoin(plan);
        Assert.Equal(probed, probe is not null);
        if (probe is not null)
        {
            Assert.Equal(correlation!.Value, probe.IndexCorrelation, 6);
            Assert.Equal(100, probe.RowsPerPage, 6);
            Assert.Contains("Index Probe Semi Join using u_probe_idx", plan.Explain, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Multi_column_index_takes_three_quarters_of_the_correlation()
    {
        var plan = PlanWithIndex("semi_exists_correlated", "u", [1, 3], 1);
        var probe = ProbeJoin(plan);
        Assert.NotNull(probe);
        Assert.Equal(0.75, probe.IndexCorrelation, 6);
    }

    [Fact]
    public void Probe_cost_interpolates_by_the_square_of_the_correlation()
    {
        var probe = ProbeJoin(PlanWithIndex("semi_exists_correlated", "u", [1], 1))!;
        double keys = 1000, rows = keys * probe.RowsPerKey;
        double uncorrelated = keys * PhysicalIndexProbeJoin.KeyCost + rows * PhysicalIndexProbeJoin.RowCost;
        double correlated = keys * PhysicalIndexProbeJoin.KeyCost + rows / probe.RowsPerPage * PhysicalIndexProbeJoin.PageCost;
        Assert.Equal(correlated, probe.ProbeCost(keys), 6);
        Assert.Equal(uncorrelated, (probe with { IndexCorrelation = 0 }).ProbeCost(keys), 6);
        Assert.Equal(uncorrelated + 0.25 * (correlated - uncorrelated), (probe with { IndexCorrelation = 0.5 }).ProbeCost(keys), 6);
        Assert.Equal(uncorrelated + 0.25 * (correlated - uncorrelated), (probe with { IndexCorrelation = -0.5 }).ProbeCost(keys), 6);
        // the correlated row cost never exceeds a scan of the whole relation
        Assert.Equal(1e6 * PhysicalIndexProbeJoin.KeyCost + probe.FullScanCost, probe.ProbeCost(1e6), 3);
        Assert.False(probe.PrefersProbe(1e6));
    }
}
