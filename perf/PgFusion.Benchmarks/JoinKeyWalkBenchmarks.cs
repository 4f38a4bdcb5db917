using BenchmarkDotNet.Attributes;
using PgFusion.Arrow;
using PgFusion.HeapDecoder;

namespace PgFusion.Benchmarks;

/// <summary>
/// The join-key stages of TPC-H Q3's and Q5's lineitem scans on real lineitem pages
/// (PGFUSION_BENCH_CONNECTION, database tpch_sf1; PGFUSION_BENCH_PAGES pages, default 2000), in
/// batches of 75 pages as the worker gathers them, every batch staged: the keys tested through the
/// stages' batches (decode the key column, select, clear the rejected rows' bits) or in the key walk of
/// the line pointers (<see cref="KeyPageWalk"/>). Q3: l_orderkey in a twentieth of the order keys
/// (5 % kept, as BUILDING customers' 1995 orders), then l_extendedprice, l_discount, l_shipdate;
/// Q5: l_orderkey in a sixth of the order keys, then l_suppkey in a fifth of the suppliers (3 %
/// kept), then l_extendedprice, l_discount. Both give the same rows.
/// `ab Q3Batched Q3Walk` in Program compares them in thread CPU. Figures go to perf/perf8-2026-12-02.md.
/// </summary>
[Config(typeof(QuickConfig))]
public class JoinKeyWalkBenchmarks
{
    private const int PagesPerBatch = 75;

    private readonly List<byte[]> pages = [];
    private readonly List<byte[]> visibility = [];
    private StagedPageDecoder q3Batched = null!;
    private StagedPageDecoder q3Walk = null!;
    private StagedPageDecoder q5Batched = null!;
    private StagedPageDecoder q5Walk = null!;
    private RecordBatch q3Into = null!;
    private RecordBatch q5Into = null!;

    [GlobalSetup]
    public void Setup()
    {
        int count = int.Parse(Environment.GetEnvironmentVariable("PGFUSION_BENCH_PAGES") ?? "2000", System.Globalization.CultureInfo.InvariantCulture);
        var source = new LineitemPages("Host=127.0.0.1;Port=55113;Username=postgres;Database=tpch_sf1", count);
        var layout = source.Layout;
        pages.AddRange(source.Pages);
        visibility.AddRange(source.Visibility);
        var orders3 = Keys(6_000_000, 20, 1);
        var orders5 = Keys(6_000_000, 6, 2);
        var suppliers = Keys(10_000, 5, 3);
        FilterStage[] Q3(bool walk) => [Stage(1, orders3, walk, "l_orderkey")];
        FilterStage[] Q5(bool walk) => [Stage(1, orders5, walk, "l_orderkey"), Stage(3, suppliers, walk, "l_suppkey")];
        q3Batched = new StagedPageDecoder(layout, [1, 6, 7, 11], Q3(false), alwaysStaged: true, keyWalk: false);
        q3Walk = new StagedPageDecoder(layout, [1, 6, 7, 11], Q3(true), alwaysStaged: true, keyWalk: true);
        q5Batched = new StagedPageDecoder(layout, [1, 3, 6, 7], Q5(false), alwaysStaged: true, keyWalk: false);
        q5Walk = new StagedPageDecoder(layout, [1, 3, 6, 7], Q5(true), alwaysStaged: true, keyWalk: true);
        q3Into = q3Walk.NewBatch(4096);
        q5Into = q5Walk.NewBatch(4096);
        Console.WriteLine($"// Q3: batched {Run(q3Batched, q3Into)} rows, walk {Run(q3Walk, q3Into)} rows; Q5: batched {Run(q5Batched, q5Into)} rows, walk {Run(q5Walk, q5Into)} rows");
    }

    [Benchmark(Baseline = true, Description = "Q3 lineitem: l_orderkey through its batch, then 4 columns")]
    public int Q3Batched() => Run(q3Batched, q3Into);

    [Benchmark(Description = "Q3 lineitem: l_orderkey in the key walk, then 4 columns")]
    public int Q3Walk() => Run(q3Walk, q3Into);

    [Benchmark(Description = "Q5 lineitem: l_orderkey, l_suppkey through their batches, then 4 columns")]
    public int Q5Batched() => Run(q5Batched, q5Into);

    [Benchmark(Description = "Q5 lineitem: l_orderkey, l_suppkey in the key walk, then 4 columns")]
    public int Q5Walk() => Run(q5Walk, q5Into);

    /// <summary>Every <paramref name="every"/>-th value of 1..<paramref name="max"/> (by a hash, so spread as a join's keys).</summary>
    private static (ulong[] Words, long Min, ulong Range) Keys(long max, int every, uint salt)
    {
        var words = new ulong[(max + 63) / 64];
        for (long k = 1; k <= max; k++)
        {
            uint h = unchecked(((uint)k * 2654435761u) ^ salt) * 2246822519u;
            if (h % (uint)every != 0) continue;
            words[(k - 1) >> 6] |= 1UL << (int)((k - 1) & 63);
        }
        return (words, 1, (ulong)max);
    }

    private static FilterStage Stage(int attNum, (ulong[] Words, long Min, ulong Range) keys, bool walk, string name)
    {
        // the batch test reads the same bits (as JoinKeyStage.Select reads the join's KeyBitmap)
        var bits = new StageKeys(keys.Words, keys.Min, keys.Range);
        RowSelector select = (batch, selection) =>
        {
            var values = ((PrimitiveColumn<int>)batch.Columns[0]).Values;
            int n = 0;
            for (int r = 0; r < batch.Length; r++)
                if (bits.Contains(values[r])) selection[n++] = r;
            return n;
        };
        return walk ? new FilterStage(attNum, bits, select, name) : new FilterStage([attNum], select, name);
    }

    /// <summary>Rows kept over all pages, batch by batch.</summary>
    private int Run(StagedPageDecoder decoder, RecordBatch into)
    {
        int total = 0;
        for (int first = 0; first < pages.Count; first += PagesPerBatch)
        {
            foreach (var c in into.Columns) c.Reset();
            into.Length = 0;
            total += decoder.DecodePages(new Pages(this, first, Math.Min(PagesPerBatch, pages.Count - first)), into);
        }
        return total;
    }

    private sealed class Pages(JoinKeyWalkBenchmarks owner, int first, int count) : IPageBatch
    {
        public int Count => count;

        public ReadOnlySpan<byte> Page(int index) => owner.pages[first + index];

        public ReadOnlySpan<byte> Visibility(int index) => owner.visibility[first + index];

        public uint Block(int index) => (uint)(first + index);

        public IDetoastedValues? Detoasted(int index) => null;
    }
}
