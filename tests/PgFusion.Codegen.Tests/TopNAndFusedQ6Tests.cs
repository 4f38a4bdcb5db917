using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The bounded top-N (threshold filter, one buffer per thread of a parallel pipeline, merged in
/// input order) against the full sort cut to N, serially and over an in-memory parallel scan;
/// and the Q6-shaped float8 fused filter + sum (word-interleaved terms, pipelined fold) against
/// the same query unfused, with NaN, +/-Infinity, NULL densities 0/50/100 % and overflow errors.
/// </summary>
public sealed class TopNAndFusedQ6Tests(ITestOutputHelper output)
{
    private static readonly int[] Sizes = [1, 7, 64, 65, 600, 1024, 4096];

    private sealed class Sink : IResultSink
    {
        public List<string> Rows { get; } = [];

        public void WriteTuple(ReadOnlySpan<byte> minimalTuple) => Rows.Add(Convert.ToHexString(minimalTuple));
    }

    /// <summary>Serial scans of the batches (every scan opened reads them all, in order).</summary>
    private class Provider(List<RecordBatch> batches) : IScanProvider
    {
        protected List<RecordBatch> Batches { get; } = batches;

        public IBatchSource OpenScan(PhysicalScan scan) => new Source(Batches);

        private sealed class Source(List<RecordBatch> batches) : IBatchSource
        {
            private int next;

            public RecordBatch? Next(CancellationToken cancellation) => next < batches.Count ? batches[next++] : null;
        }
    }

    /// <summary>The batches split among <paramref name="degree"/> threads, each partition taking the next batch.</summary>
    private sealed class ParallelProvider(List<RecordBatch> batches, int degree) : Provider(batches), IParallelScanProvider
    {
        public int Degree => degree;

        public IParallelScan OpenParallelScan(PhysicalScan scan, string pipeline) => new Shared(Batches);

        private sealed class Shared(List<RecordBatch> batches) : IParallelScan
        {
            private readonly List<RecordBatch> batches = batches;
            private int next = -1;
            private volatile bool stopped;

            public IParallelPartition Partition() => new Part(this);

            public void Stop() => stopped = true;

            private sealed class Part(Shared shared) : IParallelPartition
            {
                public long Sequence { get; private set; } = -1;

                public RecordBatch? Next(CancellationToken cancellation)
                {
                    if (shared.stopped) return null;
                    int i = Interlocked.Increment(ref shared.next);
                    if (i >= shared.batches.Count) return null;
                    Sequence = i;
                    if (i % 3 == 1) Thread.Yield();
                    return shared.batches[i];
                }
            }
        }
    }

    private static BoundColumnRef Col(int i, PgType t) => new(i, t, "c" + i);

    private static BoundFuncCall F(uint oid, PgType t, params BoundExpr[] a) => new(oid, "f" + oid, a, t);

    private static PhysicalScan Scan((string Name, PgType Type)[] cols, long pages) =>
        new(0, 1, new RelationLayout(1, "t", cols.Select((c, i) => new AttributeLayout(i + 1, c.Name, c.Type, 0, false, 'i', false, false, false, null)).ToArray(), pages, 100000),
            Enumerable.Range(1, cols.Length).ToArray(), cols.Select(c => new OutputColumn(c.Name, c.Type)).ToArray(), 100000);

    private static bool Null(Random rnd, int density) => density switch { 0 => false, 100 => true, _ => rnd.Next(2) == 0 };

    [Fact]
    public void Top_n_equals_the_full_sort_cut_serial_and_parallel()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        (string, PgType)[] cols = [("d", PgType.Date), ("f", PgType.Float8), ("id", PgType.Int4), ("s", PgType.Text)];
        var scan = Scan(cols, pages: 1000);
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0];
        for (int iteration = 0; iteration < 24; iteration++)
        {
            var keys = new List<SortKey>
            {
                new(Col(0, PgType.Date), rnd.Next(2) == 0, rnd.Next(2) == 0),
                new(Col(1, PgType.Float8), rnd.Next(2) == 0, rnd.Next(2) == 0),
            };
            // computed keys (evaluated by the key kernel) in some iterations
            if (rnd.Next(3) == 0) keys.Insert(0, new SortKey(F(1317, PgType.Int4, Col(3, PgType.Text)), rnd.Next(2) == 0, rnd.Next(2) == 0));
            int limit = new[] { 1, 10, 37, 500, 5000 }[rnd.Next(5)];
            int density = new[] { 0, 50, 100 }[rnd.Next(3)];
            var batches = new List<RecordBatch>();
            int id = 0;
            for (int b = rnd.Next(1, 40); b > 0; b--)
            {
                int rows = Sizes[rnd.Next(Sizes.Length)];
                var d = new PrimitiveColumn<int>(ArrowType.Date32, rows);
                var f = new PrimitiveColumn<double>(ArrowType.Float64, rows);
                var ids = new PrimitiveColumn<int>(ArrowType.Int32, rows);
                var s = new VarBinaryColumn(ArrowType.Utf8, rows);
                var dv = d.EnsureValidity(rows);
                var fv = f.EnsureValidity(rows);
                for (int r = 0; r < rows; r++)
                {
                    d.Values[r] = rnd.Next(40); // many ties: input order decides among equal keys
                    f.Values[r] = rnd.Next(8) == 0 ? specials[rnd.Next(specials.Length)] : rnd.Next(20) / 4.0;
                    ids.Values[r] = id++;
                    s.Append(new byte[rnd.Next(4)]);
                    if (rnd.Next(4) == 0 && Null(rnd, density)) dv.SetNull(r);
                    if (rnd.Next(4) == 0 && Null(rnd, density)) fv.SetNull(r);
                }
                d.Length = f.Length = ids.Length = rows;
                Assert.Equal(rows, s.Length);
                var batch = new RecordBatch([d, f, ids, s], rows);
                if (rnd.Next(4) == 0)
                {
                    var selection = Enumerable.Range(0, rows).Where(_ => rnd.Next(3) > 0).ToArray();
                    batch = new RecordBatch(batch.Columns, rows) { Selection = selection, SelectedCount = selection.Length };
                }
                batches.Add(batch);
            }
            CompiledQuery Compile(long? lim)
            {
                var sort = new PhysicalSort(scan, keys, lim);
                return new QueryCompiler(new Kernels.KernelCache()).Compile(new PlannedQuery(sort, sort.Output, "")).Query!;
            }
            var full = new Sink();
            Compile(null).Execute(new Provider(batches), full, CancellationToken.None);
            var expected = full.Rows.Take(limit).ToList();
            var top = Compile(limit);
            var serial = new Sink();
            top.Execute(new Provider(batches), serial, CancellationToken.None);
            Assert.True(expected.SequenceEqual(serial.Rows), $"seed {seed} iteration {iteration}: serial top-N differs from the full sort cut to {limit}");
            var parallel = new Sink();
            top.Execute(new ParallelProvider(batches, 2 + rnd.Next(2)), parallel, CancellationToken.None);
            Assert.True(expected.SequenceEqual(parallel.Rows), $"seed {seed} iteration {iteration}: parallel top-N differs from the full sort cut to {limit}");
        }
    }

    [Fact]
    public void Fused_float8_q6_equals_unfused()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        var d = PgType.Date;
        var f8 = PgType.Float8;
        (string, PgType)[] cols = [("ship", d), ("disc", f8), ("qty", f8), ("price", f8)];
        var scan = Scan(cols, pages: 1);
        List<BoundExpr> terms =
        [
            F(1090, PgType.Bool, Col(0, d), new BoundConst(-2191, d)),
            F(1087, PgType.Bool, Col(0, d), new BoundConst(-1826, d)),
            F(298, PgType.Bool, Col(1, f8), new BoundConst(0.05, f8)),
            F(296, PgType.Bool, Col(1, f8), new BoundConst(0.07, f8)),
            F(295, PgType.Bool, Col(2, f8), new BoundConst(24.0, f8)),
        ];
        BoundAggregate[] aggs =
        [
            new(2111, "sum", [F(216, f8, Col(3, f8), Col(1, f8))], false, null, f8),
            new(2111, "sum", [Col(3, f8)], false, null, f8),
            new(2105, "avg", [Col(2, f8)], false, null, f8),
            new(2803, "count", [], false, null, PgType.Int8),
        ];
        OutputColumn[] outs = [new("a", f8), new("b", f8), new("c", f8), new("e", PgType.Int8)];
        CompiledQuery Compile(BoundExpr predicate, bool expectFused)
        {
            var agg = new PhysicalHashAggregate(new PhysicalFilter(scan, predicate, 1), [], aggs, outs, 1);
            var q = new QueryCompiler(new Kernels.KernelCache()).Compile(new PlannedQuery(agg, agg.Output, "")).Query!;
            Assert.Equal(expectFused, q.Explain.Contains("fused filter", StringComparison.Ordinal));
            return q;
        }
        var fused = Compile(new BoundBoolExpr(BoolOp.And, terms), expectFused: true);
        // qty = qty (float8eq, 293: NaN = NaN) holds for every non-NULL qty, and a NULL qty fails qty < 24 too; no
        // vector filter term covers it, and the vector filter only takes the leading covered conjuncts
        var alwaysTrue = F(293, PgType.Bool, Col(2, f8), Col(2, f8));
        var plain = Compile(new BoundBoolExpr(BoolOp.And, [alwaysTrue, .. terms]), expectFused: false);
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 1e308, -1e308, 5e-324];
        for (int iteration = 0; iteration < 40; iteration++)
        {
            var batches = new List<RecordBatch>();
            int density = new[] { 0, 50, 100 }[rnd.Next(3)];
            bool extremes = rnd.Next(3) == 0;
            for (int b = rnd.Next(1, 6); b > 0; b--)
            {
                int rows = Sizes[rnd.Next(Sizes.Length)];
                var ship = new PrimitiveColumn<int>(ArrowType.Date32, rows);
                var disc = new PrimitiveColumn<double>(ArrowType.Float64, rows);
                var qty = new PrimitiveColumn<double>(ArrowType.Float64, rows);
                var price = new PrimitiveColumn<double>(ArrowType.Float64, rows);
                for (int r = 0; r < rows; r++)
                {
                    ship.Values[r] = -2300 + rnd.Next(600);
                    disc.Values[r] = rnd.Next(20) == 0 ? specials[rnd.Next(4)] : rnd.Next(11) / 100.0;
                    qty.Values[r] = rnd.Next(20) == 0 ? specials[rnd.Next(4)] : rnd.Next(1, 51);
                    price.Values[r] = extremes && rnd.Next(4) == 0 ? specials[rnd.Next(specials.Length)] : rnd.Next(90000, 10000000) / 100.0;
                }
                Column[] columns = [ship, disc, qty, price];
                foreach (var c in columns) c.Length = rows;
                // NULLs in one column of some batches (those batches take the unfused path)
                if (density > 0 && rnd.Next(2) == 0)
                {
                    var c = columns[rnd.Next(columns.Length)];
                    var v = c.EnsureValidity(rows);
                    for (int r = 0; r < rows; r++)
                    {
                        if (Null(rnd, density)) v.SetNull(r);
                    }
                }
                batches.Add(new RecordBatch(columns, rows));
            }
            var (a, aError) = Run(fused, batches);
            var (e, eError) = Run(plain, batches);
            Assert.Equal(eError, aError);
            Assert.True(e.SequenceEqual(a), $"seed {seed} iteration {iteration}: fused {string.Join(",", a)}, unfused {string.Join(",", e)}");
        }
    }

    private static (List<string> Rows, string? Error) Run(CompiledQuery q, List<RecordBatch> batches)
    {
        var sink = new Sink();
        try
        {
            q.Execute(new Provider(batches), sink, CancellationToken.None);
            return (sink.Rows, null);
        }
        catch (PgFusionException ex)
        {
            return ([], ex.SqlState + " " + ex.Message);
        }
    }
}
