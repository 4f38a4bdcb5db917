using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators;
using PgFusion.Codegen.Tests.Support;
using PgFusion.Planner;
using PgFusion.Planner.Physical;
using PgFusion.Planner.Tests.Fixtures;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// A WHERE conjunct that reads no column and calls a stable function is PostgreSQL's One-Time
/// Filter (a gating Result): evaluated once before any scan is opened, so it raises its error even
/// when every scan would return no row (seed 525 case 1224), and when it is false or NULL no scan
/// is opened at all. The scan provider here records each scan opened and serves none of their rows.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class OneTimeFilterTests(CodegenFixture fixture)
{
    private const string Raises = "((TIMESTAMPTZ 'infinity')::date - DATE '2010-06-15') > 0";
    private const string Shut = "(TIMESTAMPTZ '2020-01-01 12:00+00')::date < DATE '2000-01-01'";
    private const string Open = "(TIMESTAMPTZ '2020-01-01 12:00+00')::date > DATE '2000-01-01'";
    private const string Null = "(TIMESTAMPTZ '2020-01-01 12:00+00')::date NOT IN (DATE '2000-01-01', NULL)";

    private static int prepared;

    private (CompiledPlan Plan, PgType[] Types) Compile(string sql)
    {
        // captured from PREPARE, which rewrites the query without running it (the gate would raise)
        string name = $"one_time_{Interlocked.Increment(ref prepared)}";
        byte[] json = FixtureCapture.Capture(fixture.Connection, $"PREPARE {name} AS {sql}");
        PgFusion.TestSupport.PgServer.Execute(fixture.Connection, $"DEALLOCATE {name}");
        // the settings the extension sends with each query (the gates read TimeZone and DateStyle)
        var envelope = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        envelope["settings"] = new System.Text.Json.Nodes.JsonObject { ["TimeZone"] = "UTC", ["DateStyle"] = "ISO, MDY" };
        var planned = QueryPlanner.Plan(System.Text.Encoding.UTF8.GetBytes(envelope.ToJsonString()));
        Assert.True(planned.IsSupported, $"planner: {planned.UnsupportedReason}");
        var compiled = new QueryCompiler().Compile(planned.Plan!);
        Assert.True(compiled.Query is not null, $"codegen: {compiled.UnsupportedReason}");
        return ((CompiledPlan)compiled.Query!, [.. planned.Plan!.ResultColumns.Select(c => c.Type)]);
    }

    private static (List<string?[]> Rows, List<string> Opened) Run(CompiledPlan plan, PgType[] types)
    {
        var scans = new EmptyScans();
        var sink = new CollectingSink();
        plan.Execute(scans, sink, CancellationToken.None);
        return ([.. sink.Tuples.Select(t => MinimalTupleReader.Read(t, types).Select((v, i) => PgText.Format(v, types[i])).ToArray())], scans.Opened);
    }

    public static TheoryData<string> RaisingQueries => new()
    {
        $"SELECT count(*) FROM t0 WHERE {Raises}",
        $"SELECT id FROM t0 WHERE {Raises} AND i4 > 0 ORDER BY id LIMIT 3",
        $"SELECT a.id FROM t0 a JOIN t50 b ON a.id = b.id WHERE {Raises} AND b.i4 > 0",
        $"SELECT a.id FROM t0 a LEFT JOIN t50 b ON a.id = b.id WHERE {Raises}",
        $"SELECT i2, count(*) FROM t0 GROUP BY i2 HAVING {Raises}",
    };

    [Theory]
    [MemberData(nameof(RaisingQueries))]
    public void A_raising_gate_raises_before_any_scan_opens(string sql)
    {
        var (plan, types) = Compile(sql);
        Assert.Contains("One-Time Filter:", plan.Explain, StringComparison.Ordinal);
        var scans = new EmptyScans();
        var error = Assert.Throws<PgFusionException>(() => plan.Execute(scans, new CollectingSink(), CancellationToken.None));
        Assert.Equal("22008", error.SqlState);
        Assert.Equal("cannot subtract infinite dates", error.Message);
        Assert.Empty(scans.Opened);
        Assert.Equal(types.Length, plan.Output.Count);
    }

    [Fact]
    public void A_shut_gate_opens_no_scan_and_an_aggregate_still_makes_its_row()
    {
        var (plan, types) = Compile($"SELECT count(*), sum(10 / a.i4) FROM t0 a JOIN t50 b ON a.id = b.id WHERE {Shut} AND 10 / b.i2 > 0");
        var (rows, opened) = Run(plan, types);
        Assert.Equal("0", Assert.Single(rows)[0]);
        Assert.Empty(opened);
    }

    [Fact]
    public void A_null_gate_opens_no_scan()
    {
        var (plan, types) = Compile($"SELECT id FROM t0 WHERE {Null} AND 10 / i4 > 0");
        var (rows, opened) = Run(plan, types);
        Assert.Empty(rows);
        Assert.Empty(opened);
    }

    [Fact]
    public void An_open_gate_runs_the_join()
    {
        var (plan, types) = Compile($"SELECT count(*) FROM t0 a JOIN t50 b ON a.id = b.id WHERE {Open}");
        var (rows, opened) = Run(plan, types);
        Assert.Equal("0", Assert.Single(rows)[0]);
        // the gate lets the join run (which, its first input being empty, need not open the other)
        Assert.Contains("t0", opened);
    }

    /// <summary>Records the relation of each scan opened; every scan is empty.</summary>
    private sealed class EmptyScans : IScanProvider
    {
        public List<string> Opened { get; } = [];

        public IBatchSource OpenScan(PhysicalScan scan)
        {
            lock (Opened) Opened.Add(scan.Relation.Name);
            return new Empty();
        }

        private sealed class Empty : IBatchSource
        {
            public RecordBatch? Next(CancellationToken cancellation) => null;
        }
    }
}
