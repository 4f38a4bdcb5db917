using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Attributes;
using PgFusion.Arrow;
using PgFusion.HeapDecoder;
using PgFusion.Types;

namespace PgFusion.Benchmarks;

/// <summary>
/// HeapPageDecoder over real TPC-H lineitem pages (read with pageinspect's get_raw_page from a
/// loaded database: PGFUSION_BENCH_CONNECTION, default the perf helper's cluster on port 55106,
/// database tpch). Q1's 7 columns, Q6's 4 columns and all 16, into 4096-row batches as the
/// worker does. Figures go to perf/decoder.md.
/// </summary>
[Config(typeof(DecoderConfig))]
public class DecoderBenchmarks
{
    private static readonly int Pages = int.Parse(Environment.GetEnvironmentVariable("PGFUSION_BENCH_PAGES") ?? "2000", System.Globalization.CultureInfo.InvariantCulture);
    private const int BatchRows = 4096;
    private readonly List<byte[]> pages = [];
    private readonly List<byte[]> visibility = [];
    private RelationLayout layout = null!;
    private HeapPageDecoder q1 = null!;
    private HeapPageDecoder q6 = null!;
    private HeapPageDecoder all = null!;
    private RecordBatch q1Batch = null!;
    private RecordBatch q6Batch = null!;
    private RecordBatch allBatch = null!;
    private RecordBatch q1SmallBatch = null!;

    /// <summary>
    /// Q1 decoders made with other next-page prefetch counts (decoder17): PGFUSION_BENCH_Q1_VARIANTS, up to
    /// three PGFUSION_DECODER_NEXT_LINES values (e.g. "3 1 2"; the default's own count is a control for
    /// placement), each with its own batch; DecodeQ1V1..V3 (absent: the default count).
    /// </summary>
    private readonly HeapPageDecoder[] q1Variants = new HeapPageDecoder[3];
    private readonly RecordBatch[] q1VariantBatches = new RecordBatch[3];

    /// <summary>
    /// Q1's and all 16 columns' decoders made with PGFUSION_DECODER_WARMUP=optimized (decoder18): every page through
    /// TupleWalker.WalkPageOptimized, the [AggressiveOptimization] copy of the page loop (compiled once, fully
    /// optimised, no tiering and no dynamic PGO), beside the default decoders' tiered WalkPage in the same process.
    /// </summary>
    private HeapPageDecoder q1Opt = null!;
    private HeapPageDecoder allOpt = null!;
    private RecordBatch q1OptBatch = null!;
    private RecordBatch allOptBatch = null!;

    /// <summary>Rows of the small batches (DecodeQ1Small): their column buffers (~100 bytes a row) stay in L1.</summary>
    private const int SmallBatchRows = 256;

    /// <summary>Tuples on the pages read (all visible after the loader's VACUUM).</summary>
    public int Tuples { get; private set; }

    public long Bytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var source = new LineitemPages("Host=127.0.0.1;Port=55106;Username=postgres;Database=tpch", Pages);
        layout = source.Layout;
        pages.AddRange(source.Pages);
        visibility.AddRange(source.Visibility);
        Tuples = source.Tuples;
        Bytes = source.Bytes;
        q1 = new HeapPageDecoder(layout, [5, 6, 7, 8, 9, 10, 11]);
        q6 = new HeapPageDecoder(layout, [5, 6, 7, 11]);
        all = new HeapPageDecoder(layout, [.. Enumerable.Range(1, layout.Attributes.Count)]);
        q1Batch = q1.NewBatch(BatchRows);
        q6Batch = q6.NewBatch(BatchRows);
        allBatch = all.NewBatch(BatchRows);
        q1SmallBatch = q1.NewBatch(SmallBatchRows);
        string[] variants = (Environment.GetEnvironmentVariable("PGFUSION_BENCH_Q1_VARIANTS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int v = 0; v < q1Variants.Length; v++)
        {
            Environment.SetEnvironmentVariable("PGFUSION_DECODER_NEXT_LINES", v < variants.Length ? variants[v] : null);
            q1Variants[v] = new HeapPageDecoder(layout, [5, 6, 7, 8, 9, 10, 11]);
            q1VariantBatches[v] = q1Variants[v].NewBatch(BatchRows);
        }
        Environment.SetEnvironmentVariable("PGFUSION_DECODER_NEXT_LINES", null);
        string? warmup = Environment.GetEnvironmentVariable("PGFUSION_DECODER_WARMUP");
        Environment.SetEnvironmentVariable("PGFUSION_DECODER_WARMUP", "optimized");
        q1Opt = new HeapPageDecoder(layout, [5, 6, 7, 8, 9, 10, 11]);
        allOpt = new HeapPageDecoder(layout, [.. Enumerable.Range(1, layout.Attributes.Count)]);
        Environment.SetEnvironmentVariable("PGFUSION_DECODER_WARMUP", warmup);
        q1OptBatch = q1Opt.NewBatch(BatchRows);
        allOptBatch = allOpt.NewBatch(BatchRows);
        Console.WriteLine($"// {pages.Count} pages, {Tuples} tuples, {Bytes} tuple bytes");
    }

    /// <summary>
    /// Prints the Q1 decoder's numeric and text steps' shape guesses (guess, second guess, strikes):
    /// what the walk speculates on after the runs so far (decoder13: is the per-process spread the guess state?).
    /// </summary>
    public void DescribeState()
    {
        var field = typeof(HeapPageDecoder).GetField("_steps", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        var steps = (Array)field.GetValue(q1)!;
        var line = new System.Text.StringBuilder("guesses:");
        foreach (var o in steps)
        {
            var t = o.GetType();
            object F(string n) => t.GetField(n)!.GetValue(o)!;
            string kind = F("Kind").ToString()!;
            if (kind is not ("Numeric" or "Text")) continue;
            line.Append(System.FormattableString.Invariant($" [{kind} g={(uint)F("Guess"):X} s={F("Strikes")} g2={(uint)F("Guess2"):X} s2={F("Strikes2")}]"));
        }
        Console.WriteLine(line);
    }

    private int Run(HeapPageDecoder decoder, RecordBatch batch) => Run(decoder, batch, nextPage: true);

    /// <param name="nextPage">Pass the next page to Decode (as the worker's page source does), so its lines are prefetched.</param>
    private int Run(HeapPageDecoder decoder, RecordBatch batch, bool nextPage, int batchRows = BatchRows)
    {
        int total = 0;
        batch.Length = 0;
        foreach (var c in batch.Columns) c.Reset();
        for (int p = 0; p < pages.Count; p++)
        {
            if (batch.Length + HeapPageDecoder.MaxTuplesPerPage > batchRows)
            {
                total += batch.Length;
                batch.Length = 0;
                foreach (var c in batch.Columns) c.Reset();
            }
            if (nextPage && p + 1 < pages.Count)
                decoder.Decode(pages[p], visibility[p], (uint)p, batch, null, pages[p + 1], visibility[p + 1]);
            else
                decoder.Decode(pages[p], visibility[p], (uint)p, batch, null);
        }
        return total + batch.Length;
    }

    [Benchmark(Description = "decode Q1's 7 columns (2000 lineitem pages)")]
    public int DecodeQ1() => Run(q1, q1Batch);

    [Benchmark(Description = "decode Q1's 7 columns, WalkPageOptimized on every page (no tiering, no PGO)")]
    public int DecodeQ1Opt() => Run(q1Opt, q1OptBatch);

    [Benchmark(Description = "decode all 16 columns, WalkPageOptimized on every page (no tiering, no PGO)")]
    public int DecodeAllOpt() => Run(allOpt, allOptBatch);

    [Benchmark(Description = "decode Q1's 7 columns, next-page prefetch count 1 of PGFUSION_BENCH_Q1_VARIANTS")]
    public int DecodeQ1V1() => Run(q1Variants[0], q1VariantBatches[0]);

    [Benchmark(Description = "decode Q1's 7 columns, next-page prefetch count 2 of PGFUSION_BENCH_Q1_VARIANTS")]
    public int DecodeQ1V2() => Run(q1Variants[1], q1VariantBatches[1]);

    [Benchmark(Description = "decode Q1's 7 columns, next-page prefetch count 3 of PGFUSION_BENCH_Q1_VARIANTS")]
    public int DecodeQ1V3() => Run(q1Variants[2], q1VariantBatches[2]);

    [Benchmark(Description = "decode Q1's 7 columns into 256-row batches (column buffers in L1)")]
    public int DecodeQ1Small() => Run(q1, q1SmallBatch, nextPage: true, SmallBatchRows);

    [Benchmark(Description = "decode Q1's 7 columns, no next-page prefetch (2000 lineitem pages)")]
    public int DecodeQ1Alone() => Run(q1, q1Batch, nextPage: false);

    /// <summary>
    /// The memory floor for the same pages: every 8-byte word of the 2000 pages summed in page
    /// order (32-byte vector loads), in the same process as the decode runs.
    /// </summary>
    [Benchmark(Description = "sequential read of the 2000 lineitem pages (sum of all words)")]
    public long ReadPages()
    {
        var sum = System.Runtime.Intrinsics.Vector256<long>.Zero;
        for (int p = 0; p < pages.Count; p++)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, System.Runtime.Intrinsics.Vector256<long>>(pages[p].AsSpan());
            for (int i = 0; i < words.Length; i++) sum += words[i];
        }
        return System.Runtime.Intrinsics.Vector256.Sum(sum);
    }

    /// <summary>
    /// One 8-byte load per 64-byte line of the pages' tuple space, in the order the decoder walks
    /// it (each page from its end down): the lines the decode has to bring in, and nothing else.
    /// </summary>
    [Benchmark(Description = "one load per cache line of the 2000 pages, each page from its end down")]
    public long TouchLines()
    {
        long sum = 0;
        for (int p = 0; p < pages.Count; p++)
        {
            var page = pages[p];
            for (int off = page.Length - 8; off >= 0; off -= 64) sum += BitConverter.ToInt64(page, off);
        }
        return sum;
    }

    [Benchmark(Description = "decode Q6's 4 columns (2000 lineitem pages)")]
    public int DecodeQ6() => Run(q6, q6Batch);

    [Benchmark(Description = "decode all 16 columns (2000 lineitem pages)")]
    public int DecodeAll() => Run(all, allBatch);
}

/// <summary>
/// QuickConfig's job (in-process, 6 warm-up and 10 measured iterations, the thread-CPU clock when asked) with the median
/// and the lowest iteration in the summary (perf/decoder18-2026-12-02.md quotes medians), and a 30-minute in-process
/// timeout instead of the toolchain's default: at load 42-62 on the shared 2 cores a benchmark's wall time passed it.
/// </summary>
public sealed class DecoderConfig : ManualConfig
{
    public DecoderConfig()
    {
        var job = Job.ShortRun.WithWarmupCount(6).WithIterationCount(10).WithLaunchCount(1)
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true));
        AddJob(ThreadCpuClock.Requested ? job.WithClock(new ThreadCpuClock()) : job);
        AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median, BenchmarkDotNet.Columns.StatisticColumn.Min);
    }
}
