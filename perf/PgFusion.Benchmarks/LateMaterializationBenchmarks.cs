using BenchmarkDotNet.Attributes;
using PgFusion.Arrow;
using PgFusion.HeapDecoder;
using PgFusion.Types;

namespace PgFusion.Benchmarks;

/// <summary>
/// Late materialization A/B on real lineitem pages (PGFUSION_BENCH_CONNECTION, default the
/// latemat helper's cluster, database tpch_sf1; PGFUSION_BENCH_PAGES pages, default 2000): Q6's
/// and Q14's scan columns decoded for batches of 75 pages (~4,000 rows, as the worker gathers
/// them) and their l_shipdate range applied, plainly (every column of every row, then the test)
/// or staged (l_shipdate first, the other columns for the rows in range). Both give the same rows.
/// `ab Q6Plain Q6Late` in Program compares them in thread CPU. Figures go to perf/latemat-2026-12-01.md.
/// </summary>
[Config(typeof(QuickConfig))]
public class LateMaterializationBenchmarks
{
    private const int PagesPerBatch = 75;

    // days since 2000-01-01
    private const int Q6From = -2191; // 1994-01-01
    private const int Q6To = -1826; // 1995-01-01
    private const int Q14From = -1583; // 1995-09-01
    private const int Q14To = -1553; // 1995-10-01

    private readonly List<byte[]> pages = [];
    private readonly List<byte[]> visibility = [];
    private RelationLayout layout = null!;
    private Shape q6 = null!;
    private Shape q14 = null!;

    [GlobalSetup]
    public void Setup()
    {
        int count = int.Parse(Environment.GetEnvironmentVariable("PGFUSION_BENCH_PAGES") ?? "2000", System.Globalization.CultureInfo.InvariantCulture);
        var source = new LineitemPages("Host=127.0.0.1;Port=55106;Username=postgres;Database=tpch_sf1", count);
        layout = source.Layout;
        pages.AddRange(source.Pages);
        visibility.AddRange(source.Visibility);
        // Q6: l_quantity, l_extendedprice, l_discount, l_shipdate; Q14: l_partkey, l_extendedprice, l_discount, l_shipdate
        q6 = new Shape(layout, [5, 6, 7, 11], 3, Q6From, Q6To);
        q14 = new Shape(layout, [2, 6, 7, 11], 3, Q14From, Q14To);
        foreach (var (name, shape) in new[] { ("Q6", q6), ("Q14", q14) })
        {
            var into = shape.Decided.NewBatch(4096);
            shape.Decided.DecodePages(new Pages(this, 0, PagesPerBatch), into);
            Console.WriteLine($"// {name}: plain {Run(shape, late: false)} rows, staged {Run(shape, late: true)} rows; the cost model, after one batch: "
                + $"{(shape.Decided.Late ? "staged" : "plain")} (modelled {shape.Decided.ChosenCost:F1} against plain {shape.Decided.PlainCost:F1} ns a row)");
        }
    }

    [Benchmark(Baseline = true, Description = "Q6 scan: decode 4 columns, then the l_shipdate range")]
    public int Q6Plain() => Run(q6, late: false);

    [Benchmark(Description = "Q6 scan: l_shipdate first, 4 columns for the rows in range")]
    public int Q6Late() => Run(q6, late: true);

    [Benchmark(Description = "Q14 scan: decode 4 columns, then the l_shipdate range")]
    public int Q14Plain() => Run(q14, late: false);

    [Benchmark(Description = "Q14 scan: l_shipdate first, 4 columns for the rows in range")]
    public int Q14Late() => Run(q14, late: true);

    /// <summary>Rows in range over all pages, batch by batch.</summary>
    private int Run(Shape shape, bool late)
    {
        int total = 0;
        for (int first = 0; first < pages.Count; first += PagesPerBatch)
        {
            var batch = new Pages(this, first, Math.Min(PagesPerBatch, pages.Count - first));
            var into = shape.Batch;
            foreach (var c in into.Columns) c.Reset();
            into.Length = 0;
            if (late)
            {
                total += shape.Staged.DecodePages(batch, into);
                continue;
            }
            for (int p = 0; p < batch.Count; p++)
            {
                if (p + 1 < batch.Count)
                    shape.Plain.Decode(batch.Page(p), batch.Visibility(p), batch.Block(p), into, null, batch.Page(p + 1), batch.Visibility(p + 1));
                else
                    shape.Plain.Decode(batch.Page(p), batch.Visibility(p), batch.Block(p), into, null);
            }
            if (shape.Selection.Length < into.Length) shape.Selection = new int[into.Length];
            total += InRange(into.Columns[shape.DateColumn], into.Length, shape.From, shape.To, shape.Selection);
        }
        return total;
    }

    private static int InRange(Column dates, int rows, int from, int to, int[] selection)
    {
        var d = ((PrimitiveColumn<int>)dates).Values;
        int n = 0;
        for (int r = 0; r < rows; r++)
        {
            selection[n] = r;
            n += (d[r] >= from) & (d[r] < to) ? 1 : 0;
        }
        return n;
    }

    private sealed class Shape
    {
        public Shape(RelationLayout layout, int[] attNums, int dateColumn, int from, int to)
        {
            DateColumn = dateColumn;
            From = from;
            To = to;
            Plain = new HeapPageDecoder(layout, attNums);
            FilterStage[] stages = [new FilterStage([attNums[dateColumn]], (b, s) => InRange(b.Columns[0], b.Length, from, to, s), "l_shipdate range")];
            Staged = new StagedPageDecoder(layout, attNums, stages, alwaysStaged: true);
            Decided = new StagedPageDecoder(layout, attNums, stages);
            Batch = Plain.NewBatch(4096);
        }

        public HeapPageDecoder Plain { get; }

        /// <summary>Every batch staged.</summary>
        public StagedPageDecoder Staged { get; }

        /// <summary>As the worker runs it: staged or plain as the cost model decides after the first batch.</summary>
        public StagedPageDecoder Decided { get; }

        public RecordBatch Batch { get; }

        public int DateColumn { get; }

        public int From { get; }

        public int To { get; }

        public int[] Selection { get; set; } = new int[4096];
    }

    private sealed class Pages(LateMaterializationBenchmarks owner, int first, int count) : IPageBatch
    {
        public int Count => count;

        public ReadOnlySpan<byte> Page(int index) => owner.pages[first + index];

        public ReadOnlySpan<byte> Visibility(int index) => owner.visibility[first + index];

        public uint Block(int index) => (uint)(first + index);

        public IDetoastedValues? Detoasted(int index) => null;
    }
}
