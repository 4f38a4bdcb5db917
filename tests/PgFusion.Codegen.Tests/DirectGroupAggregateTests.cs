using System.Text;
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
/// The direct-index group path with Int64 numeric sums (Q1's shape) against the general path
/// (the same plan compiled with DirectAggregates off): equal result tuples over random batches of
/// 0, 1, 7 and 1024 rows, with NULL and empty keys, keys longer than one byte (the group table
/// decides those rows), groups whose arguments are all NULL, selection vectors, values whose sum
/// leaves Int64, products that overflow Int64 (the batch falls back) and NaN numerics.
/// </summary>
public sealed class DirectGroupAggregateTests(ITestOutputHelper output)
{
    private static readonly PgType Numeric152 = new(PgTypeOid.Numeric, ((15 << 16) | 2) + 4);
    private static readonly PgType Numeric180 = new(PgTypeOid.Numeric, ((18 << 16) | 0) + 4);
    private static readonly PgType Char1 = new(PgTypeOid.Bpchar, 1 + 4);
    private static readonly int[] Sizes = [0, 1, 7, 1024];
    private static readonly string?[] Keys = [null, "", "A", "N", "R", "AB", "é", "Z"];

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

    private static BoundExpr One => F(1740, PgType.Numeric, new BoundConst(1, PgType.Int4));

    /// <summary>
    /// ",clean": Q1's data (one-byte keys, no NULLs, no NaN, small values in most batches), where
    /// the fast parts run: one-byte key ids, unchecked steps and four-lane sums.
    /// </summary>
    public static TheoryData<string> Shapes => new() { "char1,text", "bool,char1", "none", "char1,text,clean", "char1,clean", "none,clean" };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DirectEqualsGeneral(string shape)
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        var n = Numeric152;
        (string, PgType)[] cols = [("flag", Char1), ("status", PgType.Text), ("b", PgType.Bool), ("qty", n), ("price", n), ("disc", n), ("tax", n), ("big", Numeric180)];
        var scan = new PhysicalScan(0, 1, new RelationLayout(1, "l", cols.Select((c, i) => new AttributeLayout(i + 1, c.Item1, c.Item2, 0, false, 'i', false, false, false, null)).ToArray(), 1, 1),
            Enumerable.Range(1, cols.Length).ToArray(), cols.Select(c => new OutputColumn(c.Item1, c.Item2)).ToArray(), 1000);
        var discPrice = F(1726, PgType.Numeric, Col(4, n), F(1725, PgType.Numeric, One, Col(5, n)));
        var charge = F(1726, PgType.Numeric, discPrice, F(1724, PgType.Numeric, One, Col(6, n)));
        BoundAggregate[] aggs =
        [
            new(2114, "sum", [Col(3, n)], false, null, PgType.Numeric),
            new(2114, "sum", [discPrice], false, null, PgType.Numeric),
            new(2114, "sum", [charge], false, null, PgType.Numeric),
            new(2103, "avg", [Col(3, n)], false, null, PgType.Numeric),
            new(2103, "avg", [Col(5, n)], false, null, PgType.Numeric),
            new(2803, "count", [], false, null, PgType.Int8),
            new(2114, "sum", [Col(7, Numeric180)], false, null, PgType.Numeric),
            new(2103, "avg", [F(1726, PgType.Numeric, Col(7, Numeric180), Col(3, n))], false, null, PgType.Numeric),
            new(2114, "sum", [F(1771, PgType.Numeric, F(1725, PgType.Numeric, Col(4, n), Col(7, Numeric180)))], false, null, PgType.Numeric),
        ];
        bool clean = shape.EndsWith(",clean", StringComparison.Ordinal);
        List<BoundExpr> keys = shape.Replace(",clean", "", StringComparison.Ordinal) switch
        {
            "char1,text" => [Col(0, Char1), Col(1, PgType.Text)],
            "char1" => [Col(0, Char1)],
            "bool,char1" => [Col(2, PgType.Bool), Col(0, Char1)],
            _ => [],
        };
        var outs = keys.Select(k => new OutputColumn("k", k.Type)).Concat(aggs.Select(a => new OutputColumn(a.Name, a.Type))).ToArray();
        var agg = new PhysicalHashAggregate(scan, keys, aggs, outs, 10);
        var direct = new QueryCompiler(new Kernels.KernelCache()).Compile(new PlannedQuery(agg, agg.Output, "")).Query!;
        var general = new QueryCompiler(new Kernels.KernelCache()) { DirectAggregates = false }.Compile(new PlannedQuery(agg, agg.Output, "")).Query!;
        Assert.Contains("direct group index", direct.Explain, StringComparison.Ordinal);
        Assert.DoesNotContain("direct group index", general.Explain, StringComparison.Ordinal);
        long lanes0 = Operators.Aggregates.DirectGroupAggregate.LaneBatches, oneByte0 = Operators.Aggregates.DirectGroupAggregate.OneByteBatches;
        for (int iteration = 0; iteration < 30; iteration++)
        {
            var batches = new List<RecordBatch>();
            for (int count = rnd.Next(0, 5); count > 0; count--) batches.Add(Batch(rnd, Sizes[rnd.Next(Sizes.Length)], clean));
            var a = new Sink();
            var e = new Sink();
            direct.Execute(new Provider(batches), a, CancellationToken.None);
            general.Execute(new Provider(batches), e, CancellationToken.None);
            a.Rows.Sort(StringComparer.Ordinal);
            e.Rows.Sort(StringComparer.Ordinal);
            Assert.True(e.Rows.SequenceEqual(a.Rows), $"seed {seed} iteration {iteration}: direct {string.Join(",", a.Rows)}, general {string.Join(",", e.Rows)}");
        }
        long lanes = Operators.Aggregates.DirectGroupAggregate.LaneBatches - lanes0, oneByte = Operators.Aggregates.DirectGroupAggregate.OneByteBatches - oneByte0;
        output.WriteLine($"four-lane batches {lanes}, one-byte key batches {oneByte}");
        if (clean)
        {
            Assert.True(lanes > 0, "the unchecked four-lane sums never ran");
            if (keys.Count > 0) Assert.True(oneByte > 0, "the one-byte key ids never ran");
        }
    }

    private static RecordBatch Batch(Random rnd, int rows, bool clean)
    {
        var flag = new VarBinaryColumn(ArrowType.Utf8, Math.Max(rows, 1), Math.Max(rows, 1) * 2);
        var status = new VarBinaryColumn(ArrowType.Utf8, Math.Max(rows, 1), Math.Max(rows, 1) * 2);
        var b = new BooleanColumn(Math.Max(rows, 1));
        var qty = new DecimalColumn(rows, 15, 2);
        var price = new DecimalColumn(rows, 15, 2);
        var disc = new DecimalColumn(rows, 15, 2);
        var tax = new DecimalColumn(rows, 15, 2);
        var big = new DecimalColumn(rows, 18, 0);
        // one batch in three: values near 10^18 whose sums leave Int64 and whose products overflow it
        bool huge = rnd.Next(3) == 0;
        // clean: one batch in three has prices near 10^15 (checked steps; the charge overflows Int64 and the batch falls back)
        bool small = clean && rnd.Next(3) > 0;
        var nullFlags = new List<int>();
        var nullStatuses = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            string? f = clean ? Keys[rnd.Next(2, 5)] : Keys[rnd.Next(Keys.Length)];
            string? s = Keys[rnd.Next(2, 5)];
            if (f is null) nullFlags.Add(r);
            if (!clean && rnd.Next(10) == 0) nullStatuses.Add(r);
            flag.Append(Encoding.UTF8.GetBytes(f ?? ""));
            status.Append(Encoding.UTF8.GetBytes(s ?? ""));
            b.Set(r, rnd.Next(2) == 0);
            qty.Values[r] = rnd.Next(1, 51) * 100;
            long priceBound = small ? 10_500_000 : 999_999_999_999_999;
            price.Values[r] = rnd.Next(3) == 0 ? -rnd.NextInt64(priceBound) : rnd.NextInt64(priceBound);
            disc.Values[r] = rnd.Next(11);
            tax.Values[r] = rnd.Next(9);
            big.Values[r] = huge ? 999_999_999_999_999_999 - rnd.Next(1000) : rnd.Next(-1000, 1000);
        }
        Column[] columns = [flag, status, b, qty, price, disc, tax, big];
        foreach (var c in columns) c.Length = rows;
        foreach (int r in nullFlags) flag.EnsureValidity(rows).SetNull(r);
        foreach (int r in nullStatuses) status.EnsureValidity(rows).SetNull(r);
        if (rows > 0 && !clean)
        {
            // rows of flag 'Z' have NULL arguments: with one batch, all-NULL groups
            for (int r = 0; r < rows; r++)
            {
                if (!flag.IsNull(r) && flag.GetString(r) == "Z")
                {
                    foreach (var c in new[] { qty, price, disc, tax, big }) c.EnsureValidity(rows).SetNull(r);
                }
            }
            switch (rnd.Next(5))
            {
                case 0:
                    b.EnsureValidity(rows).SetNull(rnd.Next(rows));
                    break;
                case 1:
                    price.EnsureKinds()[rnd.Next(rows)] = 1; // NaN: the general path takes the batch
                    break;
                case 2:
                    columns[rnd.Next(3, columns.Length)].EnsureValidity(rows).SetNull(rnd.Next(rows));
                    break;
            }
        }
        var batch = new RecordBatch(columns, rows);
        if (rows > 0 && rnd.Next(3) == 0)
        {
            var selection = Enumerable.Range(0, rows).Where(_ => rnd.Next(3) > 0).ToArray();
            batch = new RecordBatch(columns, rows) { Selection = selection, SelectedCount = selection.Length };
        }
        return batch;
    }
}
