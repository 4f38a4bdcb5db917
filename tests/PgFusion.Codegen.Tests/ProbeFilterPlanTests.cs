using PgFusion.Codegen.Dump;
using PgFusion.Planner;
using PgFusion.Planner.Physical;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Which filter conditions an index probe sends the backend (PhysicalIndexProbeJoin.ProbeFilter,
/// docs/ipc.md 6.3 FILTER) on the TPC-H query trees as the hook sends them at SF 1: Q20's lineitem
/// probe sends its l_shipdate range (the year's end, a timestamp at midnight, as date_lt), Q4's
/// first-match probe none besides its first-match conditions, Q19's none (its filter starts with an
/// IN list over bpchar the backend cannot evaluate, so nothing after it goes either), Q10's
/// l_returnflag = 'R' as a bpchar equality with a one-byte constant.
/// </summary>
public sealed class ProbeFilterPlanTests
{
    private static IEnumerable<PhysicalIndexProbeJoin> Probes(string query)
    {
        byte[] json = File.ReadAllBytes(Path.Combine(SltCorpus.RepositoryRoot(), "perf", "tpch-json", query + ".json"));
        var result = QueryPlanner.Plan(json, CompileAndDump.WorkerOptions);
        Assert.True(result.IsSupported, result.UnsupportedReason);
        return Nodes(result.Plan!.Root).OfType<PhysicalIndexProbeJoin>();
    }

    private static IEnumerable<PhysicalPlan> Nodes(PhysicalPlan plan) => plan is PhysicalIndexProbeJoin p
        ? [plan, .. Nodes(p.Join.Probe), .. Nodes(p.Join.Build)]
        : [plan, .. plan.Children.SelectMany(Nodes)];

    [Fact]
    public void Q20_lineitem_probe_sends_the_shipdate_range_as_date_comparisons()
    {
        var probe = Assert.Single(Probes("q20"), p => p.InnerScan.Relation.Name == "lineitem");
        Assert.Null(probe.FirstMatch);
        Assert.NotNull(probe.ProbeFilter);
        const int shipdate = 11;
        // date_ge(l_shipdate, 1994-01-01) and date_lt(l_shipdate, 1995-01-01) (was date_lt_timestamp, not leakproof)
        Assert.Equal([(1090u, shipdate, 0, 1082u, -2191L), (1087u, shipdate, 0, 1082u, -1826L)],
            probe.ProbeFilter.Select(c => (c.FuncOid, c.LeftAttNum, c.RightAttNum, c.ConstType, c.ConstValue)));
        // partsupp's probe has no filter over its scan
        Assert.Null(Assert.Single(Probes("q20"), p => p.InnerScan.Relation.Name == "partsupp").ProbeFilter);
    }

    [Fact]
    public void Q10_lineitem_probe_sends_the_returnflag_equality_with_its_bytes()
    {
        var probe = Assert.Single(Probes("q10"), p => p.InnerScan.Relation.Name == "lineitem");
        Assert.Null(probe.FirstMatch);
        Assert.NotNull(probe.ProbeFilter);
        const int returnflag = 9;
        // bpchareq (1048) of l_returnflag with the bpchar (1042) constant 'R' (0x52), one byte
        Assert.Equal([(1048u, returnflag, 0, 1042u, 0x52L, 1u)],
            probe.ProbeFilter.Select(c => (c.FuncOid, c.LeftAttNum, c.RightAttNum, c.ConstType, c.ConstValue, c.ConstLength)));
    }

    [Theory]
    [InlineData(1048u, 1042u, 1042u, "AIR", 0x524941L, 3u)]            // bpchareq
    [InlineData(1053u, 1042u, 1042u, "R  ", 0x52L, 1u)]                // bpcharne: trailing spaces dropped (bpchar ignores them)
    [InlineData(67u, 25u, 25u, "ab ", 0x206261L, 3u)]                  // texteq: trailing spaces kept
    [InlineData(157u, 25u, 25u, "", 0L, 0u)]                           // textne of the empty string
    [InlineData(1048u, 1042u, 1042u, "12345678", 0x3837363534333231L, 8u)]
    public void Text_equalities_with_short_constants_become_conditions(uint func, uint columnType, uint constType, string value, long bits, uint length)
    {
        var c = ProbeCondition.TextEquality(func, 4, columnType, constType, value);
        Assert.NotNull(c);
        Assert.Equal((func, 4, 0, constType, bits, length), (c.FuncOid, c.LeftAttNum, c.RightAttNum, c.ConstType, c.ConstValue, c.ConstLength));
    }

    [Theory]
    [InlineData(1048u, 1042u, 1042u, "DELIVER IN PERSON")]  // over 8 bytes
    [InlineData(1048u, 1042u, 1042u, "ééééé")]              // 10 UTF-8 bytes
    [InlineData(67u, 1043u, 25u, "a")]                       // texteq over a varchar column: not its argument type
    [InlineData(1048u, 1042u, 25u, "a")]                     // a text constant for bpchareq
    [InlineData(1058u, 1042u, 1042u, "a")]                   // bpcharlt: ordering depends on the collation
    public void Other_text_comparisons_are_not_sent(uint func, uint columnType, uint constType, string value)
    {
        Assert.Null(ProbeCondition.TextEquality(func, 4, columnType, constType, value));
    }

    [Fact]
    public void A_first_match_probe_sends_no_filter_of_its_own()
    {
        var probe = Assert.Single(Probes("q04"));
        Assert.NotNull(probe.FirstMatch);
        Assert.Null(probe.ProbeFilter);
    }

    [Fact]
    public void Nothing_goes_after_a_conjunct_the_backend_cannot_evaluate()
    {
        var probe = Assert.Single(Probes("q19"));
        Assert.Null(probe.FirstMatch);
        Assert.Null(probe.ProbeFilter);
    }
}
