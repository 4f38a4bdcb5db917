using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PgFusion.Arrow;
using PgFusion.Codegen;
using PgFusion.Codegen.Execution;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Benchmarks;

/// <summary>A shorter job, in process: one iteration of the big join takes seconds on the shared box.</summary>
public sealed class JoinConfig : ManualConfig
{
    public JoinConfig() => AddJob(Job.ShortRun.WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1).WithToolchain(InProcessEmitToolchain.Instance));
}

/// <summary>
/// count(*) over an inner hash join on an int8 key: 6M probe rows (random keys, each matching one
/// build row) against 1.5M build rows (unique keys), in 4096-row batches, with one int8 payload
/// column per side carried through the join. Figures go to perf/joins.md.
/// </summary>
[Config(typeof(JoinConfig))]
public class HashJoinBenchmarks
{
    private const int ProbeRows = 6_000_000;
    private const int BuildRows = 1_500_000;
    private const int BatchRows = 4096;
    private List<RecordBatch> probe = null!;
    private List<RecordBatch> build = null!;
    private CompiledQuery query = null!;

    private sealed class Provider(List<RecordBatch> probe, List<RecordBatch> build) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan scan) => new Source(scan.ScanId == 0 ? probe : build);

        private sealed class Source(List<RecordBatch> batches) : IBatchSource
        {
            private int next;

            public RecordBatch? Next(CancellationToken cancellation) => next < batches.Count ? batches[next++] : null;
        }
    }

    private sealed class CountingSink : IResultSink
    {
        public int Count;

        public void WriteTuple(ReadOnlySpan<byte> minimalTuple) => Count++;
    }

    private static List<RecordBatch> Batches(int rows, Func<int, long> key)
    {
        var list = new List<RecordBatch>();
        for (int start = 0; start < rows; start += BatchRows)
        {
            int n = Math.Min(BatchRows, rows - start);
            var k = new PrimitiveColumn<long>(ArrowType.Int64, n);
            var p = new PrimitiveColumn<long>(ArrowType.Int64, n);
            for (int r = 0; r < n; r++)
            {
                k.Values[r] = key(start + r);
                p.Values[r] = start + r;
            }
            k.Length = p.Length = n;
            list.Add(new RecordBatch([k, p], n));
        }
        return list;
    }

    private static PhysicalScan Scan(int id, string name, double rows) =>
        new(id, id + 1, new RelationLayout((uint)(id + 1), name,
            [new AttributeLayout(1, "k", PgType.Int8, 8, true, 'd', false, false, false, null), new AttributeLayout(2, "p", PgType.Int8, 8, true, 'd', false, false, false, null)], 1, 1),
            [1, 2], [new OutputColumn("k", PgType.Int8), new OutputColumn("p", PgType.Int8)], rows);

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(7);
        probe = Batches(ProbeRows, _ => rnd.Next(BuildRows));
        build = Batches(BuildRows, i => i);
        var probeScan = Scan(0, "probe", ProbeRows);
        var buildScan = Scan(1, "build", BuildRows);
        var join = new PhysicalHashJoin(probeScan, buildScan, HashJoinKind.Inner,
            [new BoundColumnRef(0, PgType.Int8, "k")], [new BoundColumnRef(0, PgType.Int8, "k")], null, false,
            [.. probeScan.Output, .. buildScan.Output], ProbeRows);
        var count = new PhysicalHashAggregate(join, [], [new BoundAggregate(2803, "count", [], false, null, PgType.Int8)], [new OutputColumn("count", PgType.Int8)], 1);
        query = new QueryCompiler().Compile(new PlannedQuery(count, count.Output, "")).Query!;
    }

    [Benchmark(Description = "inner hash join, 6M probe x 1.5M build, int8 key, count(*)")]
    public int Join()
    {
        var sink = new CountingSink();
        query.Execute(new Provider(probe, build), sink, CancellationToken.None);
        return sink.Count;
    }

    [Benchmark(Description = "build side only: 1.5M build rows, 1 probe batch")]
    public int BuildOnly()
    {
        var sink = new CountingSink();
        query.Execute(new Provider(probe.GetRange(0, 1), build), sink, CancellationToken.None);
        return sink.Count;
    }
}
