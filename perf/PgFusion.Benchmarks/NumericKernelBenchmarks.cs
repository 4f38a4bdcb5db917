using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using BenchmarkDotNet.Attributes;
using PgFusion.Arrow;
using PgFusion.Codegen;
using PgFusion.Codegen.Execution;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Benchmarks;

/// <summary>
/// TPC-H's own column types: Q1 and Q6 over numeric(15,2) columns (Decimal128 batches, 1M rows
/// in 4096-row batches). Q1: group by two char(1) columns; sum(qty), sum(price),
/// sum(price*(1-disc)), sum(price*(1-disc)*(1+tax)), avg x3, count(*). Q6: date and numeric
/// range filters, sum(price*disc), against a hand-written Vector256 loop over the same batches.
/// </summary>
[Config(typeof(QuickConfig))]
public class NumericKernelBenchmarks
{
    private const int Rows = 1 << 20;
    private const int BatchRows = 4096;
    private static readonly PgType Numeric152 = new(PgTypeOid.Numeric, ((15 << 16) | 2) + 4);
    private static readonly PgType Char1 = new(PgTypeOid.Bpchar, 1 + 4);
    private List<RecordBatch> q1 = null!;
    private List<RecordBatch> q6 = null!;
    private CompiledQuery q1Query = null!;
    private CompiledQuery q6Query = null!;

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

    private static PhysicalScan Scan(params (string, PgType)[] cols) =>
        new(0, 1, new RelationLayout(1, "lineitem", cols.Select((c, i) => new AttributeLayout(i + 1, c.Item1, c.Item2, 0, false, 'i', false, false, false, null)).ToArray(), 1, 1),
            Enumerable.Range(1, cols.Length).ToArray(), cols.Select(c => new OutputColumn(c.Item1, c.Item2)).ToArray(), Rows);

    private static BoundColumnRef Col(int i, PgType t) => new(i, t, "c" + i);

    private static BoundFuncCall F(uint oid, PgType t, params BoundExpr[] a) => new(oid, "f" + oid, a, t);

    private static BoundConst N(long unscaled, short scale) => new(new PgNumeric(unscaled, scale), PgType.Numeric);

    private static DecimalColumn Dec() => new(BatchRows, 15, 2);

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(7);
        q1 = [];
        q6 = [];
        byte[] flags = Encoding.ASCII.GetBytes("ANR");
        byte[] statuses = Encoding.ASCII.GetBytes("FO");
        for (int start = 0; start < Rows; start += BatchRows)
        {
            var flag = new VarBinaryColumn(ArrowType.Utf8, BatchRows, BatchRows);
            var status = new VarBinaryColumn(ArrowType.Utf8, BatchRows, BatchRows);
            var qty = Dec();
            var price = Dec();
            var disc = Dec();
            var tax = Dec();
            var ship = new PrimitiveColumn<int>(ArrowType.Date32, BatchRows);
            for (int r = 0; r < BatchRows; r++)
            {
                flag.Append([flags[rnd.Next(3)]]);
                status.Append([statuses[rnd.Next(2)]]);
                qty.Values[r] = rnd.Next(1, 51) * 100;
                price.Values[r] = rnd.Next(90000, 10500000);
                disc.Values[r] = rnd.Next(11);
                tax.Values[r] = rnd.Next(9);
                ship.Values[r] = -2922 + rnd.Next(2500);
            }
            foreach (var c in new Column[] { qty, price, disc, tax, ship }) c.Length = BatchRows;
            q1.Add(new RecordBatch([flag, status, qty, price, disc, tax], BatchRows));
            q6.Add(new RecordBatch([ship, disc, qty, price], BatchRows));
        }

        var n = Numeric152;
        var scan1 = Scan(("returnflag", Char1), ("linestatus", Char1), ("quantity", n), ("price", n), ("discount", n), ("tax", n));
        var discPrice = F(1726, PgType.Numeric, Col(3, n), F(1725, PgType.Numeric, N(1, 0), Col(4, n)));
        var charge = F(1726, PgType.Numeric, discPrice, F(1724, PgType.Numeric, N(1, 0), Col(5, n)));
        var agg1 = new PhysicalHashAggregate(scan1, [Col(0, Char1), Col(1, Char1)],
        [
            new BoundAggregate(2114, "sum", [Col(2, n)], false, null, PgType.Numeric),
            new BoundAggregate(2114, "sum", [Col(3, n)], false, null, PgType.Numeric),
            new BoundAggregate(2114, "sum", [discPrice], false, null, PgType.Numeric),
            new BoundAggregate(2114, "sum", [charge], false, null, PgType.Numeric),
            new BoundAggregate(2103, "avg", [Col(2, n)], false, null, PgType.Numeric),
            new BoundAggregate(2103, "avg", [Col(3, n)], false, null, PgType.Numeric),
            new BoundAggregate(2103, "avg", [Col(4, n)], false, null, PgType.Numeric),
            new BoundAggregate(2803, "count", [], false, null, PgType.Int8),
        ],
        [new("f", Char1), new("s", Char1), new("a", PgType.Numeric), new("b", PgType.Numeric), new("c", PgType.Numeric), new("d", PgType.Numeric),
         new("e", PgType.Numeric), new("g", PgType.Numeric), new("h", PgType.Numeric), new("i", PgType.Int8)], 6);
        q1Query = new QueryCompiler().Compile(new PlannedQuery(agg1, agg1.Output, "")).Query!;

        // WHERE shipdate >= 1994-01-01 AND shipdate < 1995-01-01 AND discount BETWEEN 0.05 AND 0.07 AND quantity < 24
        var d = PgType.Date;
        var pred = new BoundBoolExpr(BoolOp.And,
        [
            F(1090, PgType.Bool, Col(0, d), new BoundConst(-2191, d)),
            F(1087, PgType.Bool, Col(0, d), new BoundConst(-1826, d)),
            F(1721, PgType.Bool, Col(1, n), N(5, 2)),
            F(1723, PgType.Bool, Col(1, n), N(7, 2)),
            F(1722, PgType.Bool, Col(2, n), N(24, 0)),
        ]);
        var scan6 = Scan(("shipdate", d), ("discount", n), ("quantity", n), ("price", n));
        var agg6 = new PhysicalHashAggregate(new PhysicalFilter(scan6, pred, 1), [],
            [new BoundAggregate(2114, "sum", [F(1726, PgType.Numeric, Col(3, n), Col(1, n))], false, null, PgType.Numeric)],
            [new OutputColumn("revenue", PgType.Numeric)], 1);
        q6Query = new QueryCompiler().Compile(new PlannedQuery(agg6, agg6.Output, "")).Query!;
    }

    [Benchmark(Description = "Q1 numeric(15,2), 2 char(1) keys, 8 aggregates (1M rows)")]
    public int Q1Numeric()
    {
        var sink = new CountingSink();
        q1Query.Execute(new Provider(q1), sink, CancellationToken.None);
        return sink.Count;
    }

    [Benchmark(Description = "Q6 numeric(15,2) compiled plan (1M rows)")]
    public int Q6Numeric()
    {
        var sink = new CountingSink();
        q6Query.Execute(new Provider(q6), sink, CancellationToken.None);
        return sink.Count;
    }

    /// <summary>
    /// What a programmer would write knowing the data: numeric(15,2) values fit in a long (read the
    /// low halves of the Int128s), compares on Vector256&lt;long&gt;, price*disc on the passing rows.
    /// </summary>
    [Benchmark(Baseline = true, Description = "Q6 numeric(15,2) hand-written Vector256 (1M rows)")]
    public Int128 Q6NumericHand()
    {
        Int128 total = 0;
        var lo = Vector256.Create(-2191);
        var hi = Vector256.Create(-1826);
        foreach (var b in q6)
        {
            var ship = ((PrimitiveColumn<int>)b.Columns[0]).Values;
            var disc = System.Runtime.InteropServices.MemoryMarshal.Cast<Int128, long>(((DecimalColumn)b.Columns[1]).Values);
            var qty = System.Runtime.InteropServices.MemoryMarshal.Cast<Int128, long>(((DecimalColumn)b.Columns[2]).Values);
            var price = ((DecimalColumn)b.Columns[3]).Values;
            int n = b.Length, r = 0;
            long sum = 0;
            for (; r + 8 <= n; r += 8)
            {
                var s = Vector256.Create(ship, r);
                uint m = (Vector256.GreaterThanOrEqual(s, lo) & Vector256.LessThan(s, hi)).ExtractMostSignificantBits();
                if (m == 0) continue;
                for (int h = 0; h < 8; h += 4)
                {
                    var dv = Low(disc, r + h);
                    var qv = Low(qty, r + h);
                    uint ok = (Vector256.GreaterThanOrEqual(dv, Vector256.Create(5L)) & Vector256.LessThanOrEqual(dv, Vector256.Create(7L))
                        & Vector256.LessThan(qv, Vector256.Create(2400L))).ExtractMostSignificantBits() & (m >> h);
                    while (ok != 0)
                    {
                        int j = r + h + System.Numerics.BitOperations.TrailingZeroCount(ok);
                        sum += (long)price[j] * disc[2 * j];
                        ok &= ok - 1;
                    }
                }
            }
            for (; r < n; r++)
            {
                if (ship[r] >= -2191 && ship[r] < -1826 && disc[2 * r] >= 5 && disc[2 * r] <= 7 && qty[2 * r] < 2400) sum += (long)price[r] * disc[2 * r];
            }
            total += sum;
        }
        return total;
    }

    /// <summary>The low 64-bit halves of four consecutive Int128s.</summary>
    private static Vector256<long> Low(ReadOnlySpan<long> halves, int row)
    {
        var a = Vector256.Create(halves[(2 * row)..]);
        var b = Vector256.Create(halves[(2 * row + 4)..]);
        return Avx2.Permute4x64(Avx2.UnpackLow(a, b), 0b11_01_10_00);
    }
}
