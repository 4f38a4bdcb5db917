using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PgFusion.Arrow;
using PgFusion.Codegen;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Benchmarks;

/// <summary>
/// A short job: the machine is shared; figures go to perf/codegen.md. In process, so that a run
/// builds no generated project (minutes on the loaded build box) and is not disturbed by builds of
/// the worktree running alongside.
/// </summary>
public sealed class QuickConfig : ManualConfig
{
    public QuickConfig()
    {
        var job = Job.ShortRun.WithWarmupCount(6).WithIterationCount(10).WithLaunchCount(1).WithToolchain(InProcessEmitToolchain.Instance);
        AddJob(ThreadCpuClock.Requested ? job.WithClock(new ThreadCpuClock()) : job);
    }
}

/// <summary>
/// Q6-shaped filter + sum over in-memory batches (1M rows, 4096 per batch): the compiled plan vs a
/// hand-written Vector256 loop vs the row-at-a-time ReferenceEvaluator; and a Q1-shaped grouped
/// aggregation over numeric(15,2).
/// </summary>
[Config(typeof(QuickConfig))]
public class KernelBenchmarks
{
    private const int Rows = 1 << 20;
    private const int BatchRows = 4096;
    private List<RecordBatch> q6 = null!;
    private List<RecordBatch> q1 = null!;
    private CompiledQuery q6Query = null!;
    private CompiledQuery q1Query = null!;
    private BoundExpr q6Predicate = null!;
    private static readonly PgType Numeric152 = new(PgTypeOid.Numeric, ((15 << 16) | 2) + 4);

    private sealed class Provider(List<RecordBatch> batches) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan scan) => new Source(batches);

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

    /// <summary>Keeps the float8 of a one-column, non-NULL result row (a 16-byte header, then the value).</summary>
    private sealed class Float8Sink : IResultSink
    {
        public double Value = double.NaN;

        public void WriteTuple(ReadOnlySpan<byte> minimalTuple)
        {
            if (minimalTuple.Length != 24 || (minimalTuple[12] & 1) != 0) throw new InvalidOperationException($"not a one-column non-NULL float8 row ({minimalTuple.Length} bytes)");
            Value = System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(minimalTuple[16..]);
        }
    }

    private static PhysicalScan Scan(params (string, PgType)[] cols) =>
        new(0, 1, new RelationLayout(1, "lineitem", cols.Select((c, i) => new AttributeLayout(i + 1, c.Item1, c.Item2, 0, false, 'i', false, false, false, null)).ToArray(), 1, 1),
            Enumerable.Range(1, cols.Length).ToArray(), cols.Select(c => new OutputColumn(c.Item1, c.Item2)).ToArray(), Rows);

    private static BoundColumnRef Col(int i, PgType t) => new(i, t, "c" + i);

    private static BoundFuncCall F(uint oid, PgType t, params BoundExpr[] a) => new(oid, "f" + oid, a, t);

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(42);
        q6 = [];
        q1 = [];
        for (int start = 0; start < Rows; start += BatchRows)
        {
            var ship = new PrimitiveColumn<int>(ArrowType.Date32, BatchRows);
            var disc = new PrimitiveColumn<double>(ArrowType.Float64, BatchRows);
            var qty = new PrimitiveColumn<double>(ArrowType.Float64, BatchRows);
            var price = new PrimitiveColumn<double>(ArrowType.Float64, BatchRows);
            var flag = new PrimitiveColumn<int>(ArrowType.Int32, BatchRows);
            var status = new PrimitiveColumn<int>(ArrowType.Int32, BatchRows);
            var nqty = new DecimalColumn(BatchRows, 15, 2);
            var nprice = new DecimalColumn(BatchRows, 15, 2);
            for (int r = 0; r < BatchRows; r++)
            {
                ship.Values[r] = -2922 + rnd.Next(2500);
                disc.Values[r] = rnd.Next(11) / 100.0;
                qty.Values[r] = rnd.Next(1, 51);
                price.Values[r] = rnd.Next(90000, 10000000) / 100.0;
                flag.Values[r] = rnd.Next(3);
                status.Values[r] = rnd.Next(2);
                nqty.Values[r] = rnd.Next(100, 5001);
                nprice.Values[r] = rnd.Next(90000, 10000000);
            }
            foreach (var c in new Column[] { ship, disc, qty, price, flag, status, nqty, nprice }) c.Length = BatchRows;
            q6.Add(new RecordBatch([ship, disc, qty, price], BatchRows));
            q1.Add(new RecordBatch([flag, status, nqty, nprice], BatchRows));
        }

        // WHERE shipdate >= 1994-01-01 AND shipdate < 1995-01-01 AND discount BETWEEN 0.05 AND 0.07 AND quantity < 24
        var d = PgType.Date;
        var f8 = PgType.Float8;
        q6Predicate = new BoundBoolExpr(BoolOp.And,
        [
            F(1090, PgType.Bool, Col(0, d), new BoundConst(-2191, d)),
            F(1087, PgType.Bool, Col(0, d), new BoundConst(-1826, d)),
            F(298, PgType.Bool, Col(1, f8), new BoundConst(0.05, f8)),
            F(296, PgType.Bool, Col(1, f8), new BoundConst(0.07, f8)),
            F(295, PgType.Bool, Col(2, f8), new BoundConst(24.0, f8)),
        ]);
        var scan6 = Scan(("shipdate", d), ("discount", f8), ("quantity", f8), ("price", f8));
        var filter = new PhysicalFilter(scan6, q6Predicate, 1);
        var agg6 = new PhysicalHashAggregate(filter, [],
            [new BoundAggregate(2111, "sum", [F(216, f8, Col(3, f8), Col(1, f8))], false, null, f8)], [new OutputColumn("revenue", f8)], 1);
        q6Query = new QueryCompiler().Compile(new PlannedQuery(agg6, agg6.Output, "")).Query!;
        CheckQ6Results();

        var i4 = PgType.Int4;
        var scan1 = Scan(("returnflag", i4), ("linestatus", i4), ("quantity", Numeric152), ("price", Numeric152));
        var agg1 = new PhysicalHashAggregate(scan1, [Col(0, i4), Col(1, i4)],
        [
            new BoundAggregate(2114, "sum", [Col(2, Numeric152)], false, null, PgType.Numeric),
            new BoundAggregate(2114, "sum", [Col(3, Numeric152)], false, null, PgType.Numeric),
            new BoundAggregate(2103, "avg", [Col(2, Numeric152)], false, null, PgType.Numeric),
            new BoundAggregate(2803, "count", [], false, null, PgType.Int8),
        ],
        [new("f", i4), new("s", i4), new("a", PgType.Numeric), new("b", PgType.Numeric), new("c", PgType.Numeric), new("d", PgType.Int8)], 6);
        q1Query = new QueryCompiler().Compile(new PlannedQuery(agg1, agg1.Output, "")).Query!;
    }

    [Benchmark(Description = "Q6 compiled plan (1M rows)")]
    public double Q6Compiled()
    {
        var sink = new Float8Sink();
        q6Query.Execute(new Provider(q6), sink, CancellationToken.None);
        return sink.Value;
    }

    /// <summary>
    /// The three Q6 variants compute the same revenue over the same batches: the compiled plan and
    /// the interpreter add the passing rows' price * discount in row order (float8pl's order), so
    /// they equal a plain scalar loop exactly; the hand loop adds in four vector lanes, so it
    /// equals it up to rounding. Checked once per process (the interpreter takes a second).
    /// </summary>
    private void CheckQ6Results()
    {
        double rowOrder = 0;
        foreach (var b in q6)
        {
            var ship = ((PrimitiveColumn<int>)b.Columns[0]).Values;
            var disc = ((PrimitiveColumn<double>)b.Columns[1]).Values;
            var qty = ((PrimitiveColumn<double>)b.Columns[2]).Values;
            var price = ((PrimitiveColumn<double>)b.Columns[3]).Values;
            for (int r = 0; r < b.Length; r++)
                if (ship[r] >= -2191 && ship[r] < -1826 && disc[r] >= 0.05 && disc[r] <= 0.07 && qty[r] < 24) rowOrder += price[r] * disc[r];
        }
        double compiled = Q6Compiled();
        double hand = Q6HandVector();
        if (compiled != rowOrder) throw new InvalidOperationException($"Q6 compiled {compiled:R} != row-order sum {rowOrder:R}");
        if (Math.Abs(hand - rowOrder) > 1e-9 * Math.Abs(rowOrder)) throw new InvalidOperationException($"Q6 hand loop {hand:R} != row-order sum {rowOrder:R}");
        if (!q6Checked)
        {
            double interpreted = Q6Interpreted();
            if (interpreted != rowOrder) throw new InvalidOperationException($"Q6 interpreted {interpreted:R} != row-order sum {rowOrder:R}");
            q6Checked = true;
        }
        Console.Error.WriteLine(System.FormattableString.Invariant($"// Q6 results checked: compiled = interpreted = row-order sum = {rowOrder:R}, hand loop {hand:R}"));
    }

    private static bool q6Checked;

    /// <summary>
    /// AggressiveOptimization, as the library's own batch loops (Kernels/HotLoop.cs): both sides
    /// fully optimised from their first call, neither depending on when tiered compilation
    /// replaces this once-per-run method's OSR code.
    /// </summary>
    [Benchmark(Baseline = true, Description = "Q6 hand-written Vector256 (1M rows)")]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public double Q6HandVector()
    {
        double sum = 0;
        var lo = Vector256.Create(-2191.0);
        var hi = Vector256.Create(-1826.0);
        foreach (var b in q6)
        {
            var ship = ((PrimitiveColumn<int>)b.Columns[0]).Values;
            var disc = ((PrimitiveColumn<double>)b.Columns[1]).Values;
            var qty = ((PrimitiveColumn<double>)b.Columns[2]).Values;
            var price = ((PrimitiveColumn<double>)b.Columns[3]).Values;
            int n = b.Length, r = 0;
            var acc = Vector256<double>.Zero;
            for (; r + 4 <= n; r += 4)
            {
                var s = System.Runtime.Intrinsics.X86.Avx.ConvertToVector256Double(Vector128.Create(ship, r));
                var sOk = Vector256.GreaterThanOrEqual(s, lo) & Vector256.LessThan(s, hi);
                var dv = Vector256.Create(disc, r);
                var qv = Vector256.Create(qty, r);
                var ok = Vector256.GreaterThanOrEqual(dv, Vector256.Create(0.05)) & Vector256.LessThanOrEqual(dv, Vector256.Create(0.07))
                    & Vector256.LessThan(qv, Vector256.Create(24.0));
                acc += Vector256.ConditionalSelect(ok & sOk, Vector256.Create(price, r) * dv, Vector256<double>.Zero);
            }
            sum += Vector256.Sum(acc);
            for (; r < n; r++)
                if (ship[r] >= -2191 && ship[r] < -1826 && disc[r] >= 0.05 && disc[r] <= 0.07 && qty[r] < 24) sum += price[r] * disc[r];
        }
        return sum;
    }

    [Benchmark(Description = "Q6 row-at-a-time ReferenceEvaluator (1M rows)")]
    public double Q6Interpreted()
    {
        var eval = new ReferenceEvaluator(new KernelContext());
        var revenue = F(216, PgType.Float8, Col(3, PgType.Float8), Col(1, PgType.Float8));
        double sum = 0;
        foreach (var b in q6)
        {
            for (int r = 0; r < b.Length; r++)
            {
                if (eval.Evaluate(q6Predicate, b.Columns, r) is true) sum += (double)eval.Evaluate(revenue, b.Columns, r)!;
            }
        }
        return sum;
    }

    [Benchmark(Description = "Q1-shaped group by 2 keys, sum/avg numeric(15,2) (1M rows)")]
    public int Q1Compiled()
    {
        var sink = new CountingSink();
        q1Query.Execute(new Provider(q1), sink, CancellationToken.None);
        return sink.Count;
    }
}

/// <summary>Kernel compile time, cold (new cache each time) and cached.</summary>
[Config(typeof(QuickConfig))]
public class CodegenCompileBenchmarks
{
    private PlannedQuery plan = null!;
    private readonly KernelCache warm = new();

    [GlobalSetup]
    public void Setup()
    {
        var d = PgType.Date;
        var f8 = PgType.Float8;
        var scan = new PhysicalScan(0, 1, new RelationLayout(1, "l", [new AttributeLayout(1, "d", d, 4, true, 'i', false, false, false, null), new AttributeLayout(2, "x", f8, 8, true, 'd', false, false, false, null)], 1, 1),
            [1, 2], [new OutputColumn("d", d), new OutputColumn("x", f8)], 1);
        var pred = new BoundBoolExpr(BoolOp.And, [new BoundFuncCall(1090, "date_ge", [new BoundColumnRef(0, d, "d"), new BoundConst(-2191, d)], PgType.Bool),
            new BoundFuncCall(295, "float8lt", [new BoundColumnRef(1, f8, "x"), new BoundConst(24.0, f8)], PgType.Bool)]);
        var project = new PhysicalProject(new PhysicalFilter(scan, pred, 1), [new BoundFuncCall(216, "float8mul", [new BoundColumnRef(1, f8, "x"), new BoundConst(2.0, f8)], f8)], [new OutputColumn("y", f8)]);
        plan = new PlannedQuery(project, project.Output, "");
        new QueryCompiler(warm).Compile(plan);
    }

    [Benchmark(Description = "compile filter+project query, cold cache (2 kernels)")]
    public object? Cold() => new QueryCompiler(new KernelCache()).Compile(plan).Query;

    [Benchmark(Description = "compile filter+project query, cached kernels")]
    public object? Cached() => new QueryCompiler(warm).Compile(plan).Query;
}
