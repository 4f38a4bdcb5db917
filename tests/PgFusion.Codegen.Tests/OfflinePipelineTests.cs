using Npgsql;
using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Tests.Support;
using PgFusion.HeapDecoder;
using PgFusion.Planner;
using PgFusion.Planner.Physical;
using PgFusion.Planner.Tests.Fixtures;
using PgFusion.TestSupport;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The whole library path without the extension: Query JSON captured from PostgreSQL -> Planner ->
/// Codegen, over batches HeapDecoder builds from the table's real pages (get_raw_page after
/// VACUUM FREEZE, so every normal item is visible), compared with PostgreSQL's own answer.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class OfflinePipelineTests(CodegenFixture fixture)
{
    public static TheoryData<string> Queries => new()
    {
        "SELECT id, i4 + 1, s FROM t50 WHERE i4 > 0 AND s IS NOT NULL",
        "SELECT count(*), count(i8), sum(i4), sum(i8), min(d), max(ts), avg(n2), sum(n) FROM t50",
        "SELECT b, count(*), sum(n2), min(s), max(v) FROM t50 GROUP BY b",
        "SELECT id, n2 * 2, n2 / 3, f8 FROM t50 WHERE n2 > 10 ORDER BY id LIMIT 20 OFFSET 3",
        "SELECT bp, count(*) FROM t50 WHERE bp IS NOT NULL GROUP BY bp HAVING count(*) > 1 ORDER BY bp",
        "SELECT id FROM t50 WHERE d >= date '2000-01-01' OR ts < timestamp '1999-06-01 12:00' ORDER BY id DESC LIMIT 50",
        "SELECT i2 % 10, avg(i4), max(f4) FROM t0 GROUP BY i2 % 10 ORDER BY 1",
        "SELECT count(*), sum(i4) FROM t100",
        "SELECT id, s FROM t0 WHERE s LIKE 'a%' ORDER BY s, id",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void Library_pipeline_equals_postgres(string sql)
    {
        using var unlimited = Operators.Spill.SpillSpace.Unlimited;
        EqualsPostgres(sql, unlimited);
    }

    /// <summary>The same comparison, executing with the given memory budget and spill directory.</summary>
    internal void EqualsPostgres(string sql, Operators.Spill.SpillSpace spill)
    {
        var conn = fixture.Connection;
        PgServer.Execute(conn, "CREATE EXTENSION IF NOT EXISTS pageinspect");
        foreach (var table in new[] { "t0", "t50", "t100" }) PgServer.Execute(conn, $"VACUUM FREEZE {table}");
        byte[] json = FixtureCapture.Capture(conn, sql);
        var planned = QueryPlanner.Plan(json);
        Assert.True(planned.IsSupported, $"planner: {planned.UnsupportedReason}");
        var compiled = new QueryCompiler().Compile(planned.Plan!);
        Assert.True(compiled.Query is not null, $"codegen: {compiled.UnsupportedReason}");

        var sink = new CollectingSink();
        string? error = null;
        try
        {
            compiled.Query!.Execute(new RawPageScanProvider(conn), sink, spill, CancellationToken.None);
        }
        catch (PgFusionException e)
        {
            error = $"{e.SqlState}: {e.Message}";
        }
        var types = planned.Plan!.ResultColumns.Select(c => c.Type).ToArray();
        var ours = error is not null
            ? new Outcome(null, error)
            : new Outcome([.. sink.Tuples.Select(t => MinimalTupleReader.Read(t, types).Select((v, i) => PgText.Format(v, types[i])).ToArray())], null);
        var theirs = Harness.RunPostgres(conn, sql, types.Length);
        bool ordered = sql.Contains("ORDER BY", StringComparison.Ordinal);
        Assert.Equal(Harness.Canonical(theirs, ordered), Harness.Canonical(ours, ordered));
    }

    /// <summary>Serves every block of the scanned relation through HeapPageDecoder, one batch per page.</summary>
    private sealed class RawPageScanProvider(NpgsqlConnection conn) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan scan)
        {
            var decoder = new HeapPageDecoder(scan.Relation, scan.AttNums);
            long blocks = (long)PgServer.Scalar(conn, $"SELECT pg_relation_size({scan.Relation.RelId}) / 8192")!;
            var batches = new List<RecordBatch>();
            var allVisible = new byte[HeapPageDecoder.VisibilityBitmapBytes];
            Array.Fill(allVisible, (byte)0xFF);
            for (long b = 0; b < blocks; b++)
            {
                var page = (byte[])PgServer.Scalar(conn, $"SELECT get_raw_page('{scan.Relation.Name}', {b})")!;
                var batch = decoder.NewBatch(256);
                decoder.Decode(page, allVisible, (uint)b, batch, null);
                batches.Add(batch);
            }
            return new ListScanProvider(batches).OpenScan(scan);
        }
    }
}
