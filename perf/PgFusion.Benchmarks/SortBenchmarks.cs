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
/// ORDER BY over 1M in-memory rows (4096 per batch) through the compiled plan, results written as
/// MinimalTuples to a counting sink: (int4, text), (numeric(15,2) DESC, date), one int8 key with
/// 10 % NULLs NULLS FIRST, and a top-100 by (date DESC, numeric).
/// </summary>
[Config(typeof(QuickConfig))]
public class SortBenchmarks
{
    private const int Rows = 1 << 20;
    private const int BatchRows = 4096;
    private static readonly PgType Numeric152 = new(PgTypeOid.Numeric, ((15 << 16) | 2) + 4);
    private List<RecordBatch> batches = null!;
    private CompiledQuery intText = null!;
    private CompiledQuery numericDate = null!;
    private CompiledQuery nullsFirst = null!;
    private CompiledQuery topN = null!;

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

    private static readonly (string Name, PgType Type)[] Columns =
        [("i", PgType.Int4), ("t", PgType.Text), ("n", Numeric152), ("d", PgType.Date), ("b", PgType.Int8), ("p", PgType.Float8)];

    private static CompiledQuery Sort(long? limit, params SortKey[] keys)
    {
        var scan = new PhysicalScan(0, 1, new RelationLayout(1, "t",
                Columns.Select((c, i) => new AttributeLayout(i + 1, c.Name, c.Type, 0, false, 'i', false, false, false, null)).ToArray(), 1, 1),
            Enumerable.Range(1, Columns.Length).ToArray(), Columns.Select(c => new OutputColumn(c.Name, c.Type)).ToArray(), Rows);
        var sort = new PhysicalSort(scan, keys, limit);
        return new QueryCompiler().Compile(new PlannedQuery(sort, sort.Output, "")).Query!;
    }

    private static SortKey Key(int column, bool descending = false, bool nullsFirst = false) =>
        new(new BoundColumnRef(column, Columns[column].Type, Columns[column].Name), descending, nullsFirst);

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(42);
        batches = [];
        var text = new byte[24];
        for (int start = 0; start < Rows; start += BatchRows)
        {
            var cols = Columns.Select(c => PgArrowMapping.CreateColumn(c.Type, BatchRows)).ToArray();
            var i = (PrimitiveColumn<int>)cols[0];
            var t = (VarBinaryColumn)cols[1];
            var n = (DecimalColumn)cols[2];
            var d = (PrimitiveColumn<int>)cols[3];
            var b = (PrimitiveColumn<long>)cols[4];
            var p = (PrimitiveColumn<double>)cols[5];
            var bValid = b.EnsureValidity(BatchRows);
            for (int r = 0; r < BatchRows; r++)
            {
                i.Values[r] = rnd.Next(1000);
                int len = rnd.Next(6, 24);
                for (int k = 0; k < len; k++) text[k] = (byte)('a' + rnd.Next(26));
                t.Append(text.AsSpan(0, len));
                n.Values[r] = rnd.Next(90000, 10000000);
                d.Values[r] = -2922 + rnd.Next(2500);
                b.Values[r] = rnd.NextInt64();
                bValid.Set(r, rnd.Next(10) != 0);
                p.Values[r] = rnd.NextDouble();
            }
            foreach (var c in cols) c.Length = BatchRows;
            batches.Add(new RecordBatch(cols, BatchRows));
        }
        intText = Sort(null, Key(0), Key(1));
        numericDate = Sort(null, Key(2, descending: true, nullsFirst: true), Key(3));
        nullsFirst = Sort(null, Key(4, nullsFirst: true));
        topN = Sort(100, Key(3, descending: true, nullsFirst: true), Key(2));
    }

    private int Run(CompiledQuery query)
    {
        var sink = new CountingSink();
        query.Execute(new Provider(batches), sink, CancellationToken.None);
        return sink.Count;
    }

    [Benchmark(Description = "ORDER BY int4, text (1M rows)")]
    public int SortIntText() => Run(intText);

    [Benchmark(Description = "ORDER BY numeric(15,2) DESC, date (1M rows)")]
    public int SortNumericDate() => Run(numericDate);

    [Benchmark(Description = "ORDER BY int8 NULLS FIRST, 10% NULLs (1M rows)")]
    public int SortNullsFirst() => Run(nullsFirst);

    [Benchmark(Description = "ORDER BY date DESC, numeric LIMIT 100 (1M rows)")]
    public int SortTopN() => Run(topN);
}
