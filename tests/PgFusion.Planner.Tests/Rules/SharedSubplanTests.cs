using PgFusion.Planner.Logical;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>
/// The shared_subplan rule on the TPC-H query trees as the hook sends them at SF 1
/// (perf/tpch-json, with SF 1 statistics): Q11's repeated join and Q22's repeated customer scan are
/// computed once, and Q21's late lineitem rows; queries whose repeats are unfiltered or absent are left alone; every
/// plan passes the verifier after every rule. Results against PostgreSQL: tests/sql/planner/shared_subplan.slt.
/// </summary>
public sealed class SharedSubplanTests
{
    private static (PlannedQuery Plan, LogicalPlan Logical) Plan(string query, PlannerOptions? options = null)
    {
        byte[] json = File.ReadAllBytes(Path.Combine(SltCorpus.RepositoryRoot(), "perf", "tpch-json", query + ".json"));
        LogicalPlan? last = null;
        var result = QueryPlanner.Plan(json, (options ?? PlannerOptions.Default) with
        {
            AfterRule = (_, plan) =>
            {
                LogicalPlanVerifier.Verify(plan);
                last = plan;
            },
        });
        Assert.True(result.IsSupported, result.UnsupportedReason);
        return (result.Plan!, last!);
    }

    private static IEnumerable<LogicalPlan> Nodes(LogicalPlan plan) => [plan, .. plan.Children.SelectMany(Nodes)];

    [Fact]
    public void Q11_join_of_the_having_threshold_is_computed_once()
    {
        var (plan, logical) = Plan("q11");
        var references = Nodes(logical).OfType<LogicalCteScan>().ToList();
        Assert.Equal(2, references.Count);
        Assert.Same(references[0].Definition, references[1].Definition);
        var definition = references[0].Definition;
        Assert.StartsWith("shared_", definition.Name, StringComparison.Ordinal);
        // partsupp, supplier and nation are read once, inside the definition only.
        Assert.DoesNotContain(Nodes(logical), n => n is LogicalScan);
        Assert.Equal(["nation", "partsupp", "supplier"], Nodes(definition.Plan).OfType<LogicalScan>().Select(s => s.Relation.Name).Order());
        // Only the columns the two aggregates read are materialized.
        Assert.Equal(["ps_partkey", "ps_availqty", "ps_supplycost"], definition.Plan.Output.Select(c => c.Name));
        Assert.Contains("CTE Scan on shared_1 #1", plan.Explain, StringComparison.Ordinal);
    }

    [Fact]
    public void Q22_customer_scan_is_shared_and_each_side_keeps_its_own_filter()
    {
        var (_, logical) = Plan("q22");
        var references = Nodes(logical).OfType<LogicalCteScan>().ToList();
        Assert.Equal(2, references.Count);
        var definition = references[0].Definition;
        var scan = Assert.Single(Nodes(definition.Plan).OfType<LogicalScan>());
        Assert.Equal("customer", scan.Relation.Name);
        Assert.IsType<LogicalFilter>(definition.Plan); // the country codes, common to both sides
        // The subquery's own conjunct (c_acctbal > 0.00) stays above its reference.
        var residual = Assert.Single(Nodes(logical).OfType<LogicalFilter>(), f => f.Input is LogicalCteScan);
        Assert.Equal(["c_acctbal"], residual.Predicate.ReferencedColumns().Select(c => c.Name).Distinct());
        Assert.Equal("orders", Assert.Single(Nodes(logical).OfType<LogicalScan>()).Relation.Name);
    }

    [Fact]
    public void Q21_late_lineitem_rows_are_filtered_once_for_l1_and_l3()
    {
        // l1 and l3 both read lineitem's late rows (l_receiptdate > l_commitdate, a third of the
        // table): one scan fills the CTE, the join with the suppliers and the anti join read it.
        var (plan, logical) = Plan("q21");
        var definition = Assert.Single(CteDefinition.Reachable(logical), d => d.Name.StartsWith("shared_", StringComparison.Ordinal));
        Assert.Equal("lineitem", Assert.Single(Nodes(definition.Plan).OfType<LogicalScan>()).Relation.Name);
        Assert.Contains(Nodes(definition.Plan), n => n is LogicalFilter);
        Assert.Equal(2, Nodes(logical).OfType<LogicalCteScan>().Count(r => ReferenceEquals(r.Definition, definition)));
        // only l2 (no filter: a bare scan is never shared) still reads lineitem itself
        Assert.Single(Nodes(logical).OfType<LogicalScan>(), s => s.Relation.Name == "lineitem");
        Assert.Contains("CTE Scan on shared_1", plan.Explain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("q17")] // lineitem twice, no common filter
    [InlineData("q15")] // an explicit CTE already; nothing else repeats
    public void Large_or_unfiltered_repeats_are_not_shared(string query)
    {
        var (plan, logical) = Plan(query);
        Assert.DoesNotContain(CteDefinition.Reachable(logical), d => d.Name.StartsWith("shared_", StringComparison.Ordinal));
        Assert.DoesNotContain("shared_", plan.Explain, StringComparison.Ordinal);
    }

    [Fact]
    public void Q2_shares_the_small_nation_region_join_but_scans_partsupp_twice()
    {
        // The subquery's min(ps_supplycost) joins partsupp to suppliers of EUROPE, the main query
        // joins part first: only nation ⋈ region (EUROPE), five rows, is the same in both.
        var (_, logical) = Plan("q02");
        var definition = Assert.Single(CteDefinition.Reachable(logical));
        Assert.Equal(["nation", "region"], Nodes(definition.Plan).OfType<LogicalScan>().Select(s => s.Relation.Name).Order());
        Assert.Equal(2, Nodes(logical).OfType<LogicalScan>().Count(s => s.Relation.Name == "partsupp"));
    }

    [Fact]
    public void The_rule_can_be_disabled_by_name()
    {
        var (plan, logical) = Plan("q11", PlannerOptions.Default with { DisabledRules = ["shared_subplan"] });
        Assert.Empty(Nodes(logical).OfType<LogicalCteScan>());
        Assert.Equal(2, Nodes(logical).OfType<LogicalScan>().Count(s => s.Relation.Name == "partsupp"));
        Assert.DoesNotContain("shared_", plan.Explain, StringComparison.Ordinal);
    }
}
