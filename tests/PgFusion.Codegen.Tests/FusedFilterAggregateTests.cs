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
/// Q6's fused filter + global aggregate against the same query unfused (an extra always-true
/// conjunct the vector filter does not cover keeps the plain filter -> aggregate path): equal
/// result tuples over random float8 and numeric(15,2) batches of 1/7/1024/4096 rows, with
/// batches that take the fallback (NULLs, NaN numerics).
/// </summary>
public sealed class FusedFilterAggregateTests(ITestOutputHelper output)
{
    private static readonly PgType Numeric152 = new(PgTypeOid.Numeric, ((15 << 16) | 2) + 4);
    private static readonly int[] Sizes = [1, 7, 1024, 4096];

    private sealed class Provider(List<RecordBatch> batches) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan scan) => new Source(batches);

        private sealed class Source(List<RecordBatch> batches) : IBatchSource
        {
            private int next;

            public RecordBatch? Next(CancellationToken cancellation) => next < batches.Count ? batches[next++] : null;
        }
    }

    private sealed class Sink : IResultSink
    {
        public List<string> Rows { get; } = [];

        public void WriteTuple(ReadOnlySpan<byte> minimalTuple) => Rows.Add(Convert.ToHexString(minimalTuple));
    }

    private static BoundColumnRef Col(int i, PgType t) => new(i, t, "c" + i);

    private static BoundFuncCall F(uint oid, PgType t, params BoundExpr[] a) => new(oid, "f" + oid, a, t);

    [Fact]
    public void FusedEqualsUnfused()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        var d = PgType.Date;
        var f8 = PgType.Float8;
        var n = Numeric152;
        (string, PgType)[] cols = [("ship", d), ("disc", n), ("qty", n), ("price", n), ("fd", f8), ("fp", f8)];
        var scan = new PhysicalScan(0, 1, new RelationLayout(1, "l", cols.Select((c, i) => new AttributeLayout(i + 1, c.Item1, c.Item2, 0, false, 'i', false, false, false, null)).ToArray(), 1, 1),
            Enumerable.Range(1, cols.Length).ToArray(), cols.Select(c => new OutputColumn(c.Item1, c.Item2)).ToArray(), 1000);
        List<BoundExpr> terms =
        [
            F(1090, PgType.Bool, Col(0, d), new BoundConst(-2191, d)),
            F(1087, PgType.Bool, Col(0, d), new BoundConst(-1826, d)),
            F(1721, PgType.Bool, Col(1, n), new BoundConst(new PgNumeric(5, 2), PgType.Numeric)),
            F(1723, PgType.Bool, Col(1, n), new BoundConst(new PgNumeric(7, 2), PgType.Numeric)),
            F(1722, PgType.Bool, Col(2, n), new BoundConst(new PgNumeric(24, 0), PgType.Numeric)),
        ];
        BoundAggregate[] aggs =
        [
            new(2114, "sum", [F(1726, PgType.Numeric, Col(3, n), Col(1, n))], false, null, PgType.Numeric),
            new(2103, "avg", [Col(2, n)], false, null, PgType.Numeric),
            new(2111, "sum", [F(216, f8, Col(5, f8), Col(4, f8))], false, null, f8),
            new(2105, "avg", [Col(4, f8)], false, null, f8),
            new(2803, "count", [], false, null, PgType.Int8),
        ];
        OutputColumn[] outs = [new("a", PgType.Numeric), new("b", PgType.Numeric), new("c", f8), new("e", f8), new("g", PgType.Int8)];
        CompiledQuery Compile(BoundExpr predicate, bool expectFused)
        {
            var agg = new PhysicalHashAggregate(new PhysicalFilter(scan, predicate, 1), [], aggs, outs, 1);
            var q = new QueryCompiler(new Kernels.KernelCache()).Compile(new PlannedQuery(agg, agg.Output, "")).Query!;
            Assert.Equal(expectFused, q.Explain.Contains("fused filter", StringComparison.Ordinal));
            return q;
        }
        var fused = Compile(new BoundBoolExpr(BoolOp.And, terms), expectFused: true);
        // i4 % 1 = 0 is always true, and no vector filter term covers it
        var alwaysTrue = F(65, PgType.Bool, F(156, PgType.Int4, F(1744, PgType.Int4, Col(2, n)), new BoundConst(1, PgType.Int4)), new BoundConst(0, PgType.Int4));
        var plain = Compile(new BoundBoolExpr(BoolOp.And, [.. terms, alwaysTrue]), expectFused: false);
        for (int iteration = 0; iteration < 20; iteration++)
        {
            var batches = new List<RecordBatch>();
            for (int b = rnd.Next(1, 5); b > 0; b--)
            {
                int rows = Sizes[rnd.Next(Sizes.Length)];
                var ship = new PrimitiveColumn<int>(ArrowType.Date32, rows);
                var disc = new DecimalColumn(rows, 15, 2);
                var qty = new DecimalColumn(rows, 15, 2);
                var price = new DecimalColumn(rows, 15, 2);
                var fd = new PrimitiveColumn<double>(ArrowType.Float64, rows);
                var fp = new PrimitiveColumn<double>(ArrowType.Float64, rows);
                for (int r = 0; r < rows; r++)
                {
                    ship.Values[r] = -2300 + rnd.Next(600);
                    disc.Values[r] = rnd.Next(11);
                    qty.Values[r] = rnd.Next(1, 51) * 100;
                    price.Values[r] = rnd.Next(3) == 0 ? -rnd.NextInt64(999_999_999_999_999) : rnd.NextInt64(999_999_999_999_999);
                    fd.Values[r] = disc.Values[r] == 0 ? -0.0 : (double)disc.Values[r] / 100;
                    fp.Values[r] = (double)price.Values[r] / 100;
                }
                Column[] columns = [ship, disc, qty, price, fd, fp];
                foreach (var c in columns) c.Length = rows;
                switch (rnd.Next(4))
                {
                    case 0:
                        columns[rnd.Next(columns.Length)].EnsureValidity(rows).SetNull(rnd.Next(rows));
                        break;
                    case 1:
                        price.EnsureKinds()[rnd.Next(rows)] = 1; // NaN
                        break;
                }
                batches.Add(new RecordBatch(columns, rows));
            }
            var a = new Sink();
            var e = new Sink();
            fused.Execute(new Provider(batches), a, CancellationToken.None);
            plain.Execute(new Provider(batches), e, CancellationToken.None);
            Assert.True(e.Rows.SequenceEqual(a.Rows), $"seed {seed} iteration {iteration}: fused {string.Join(",", a.Rows)}, unfused {string.Join(",", e.Rows)}");
        }
    }
}
