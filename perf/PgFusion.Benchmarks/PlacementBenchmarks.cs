using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using PgFusion.Arrow;
using PgFusion.HeapDecoder;

namespace PgFusion.Benchmarks;

/// <summary>
/// Does where the pages and the column buffers lie change DecodeQ1's speed (issue 3: per-process
/// medians 1.7x apart on an idle machine)? The same 2,000 lineitem pages decoded with one
/// decoder from differently placed copies, alternated in one process (`abn`):
/// - Managed: 2,000 byte[] in the GC heap, as DecoderBenchmarks reads them;
/// - Pool: one native block laid out as the worker's page pool (PgfPageMeta: a 64-byte slot
///   header, then the page, stride 8,256 bytes), 4 KB pages (MADV_NOHUGEPAGE), as the worker
///   sees PostgreSQL's shared memory (shmem THP is off here, no huge_pages reserved);
/// - PoolHuge: the same layout with MADV_HUGEPAGE before the first touch (2 MB pages);
/// - Aligned / AlignedHuge: pages back to back, 8 KB-aligned, 4 KB or 2 MB pages;
/// - PoolBatchB: Pool's pages into a second batch whose buffers were allocated after a pad
///   (other addresses modulo 4 KB than the first batch's).
/// The setup prints each copy's placement (page addresses modulo 4 KB, huge pages in smaps) and
/// the batches' buffer addresses modulo 4 KB.
/// </summary>
public unsafe class PlacementBenchmarks
{
    private const int BatchRows = 4096;
    private const int PoolStride = 64 + HeapPageDecoder.PageSize;
    private const int HugePage = 2 << 20;
    private static readonly int Pages = int.Parse(Environment.GetEnvironmentVariable("PGFUSION_BENCH_PAGES") ?? "2000", System.Globalization.CultureInfo.InvariantCulture);

    private readonly List<byte[]> managed = [];
    private readonly List<byte[]> visibility = [];
    private byte* pool;
    private byte* poolHuge;
    private byte* aligned;
    private byte* alignedHuge;
    private HeapPageDecoder q1 = null!;
    private RecordBatch batchA = null!;
    private RecordBatch batchB = null!;
    private RecordBatch batchC = null!;

    [GlobalSetup]
    public void Setup()
    {
        var source = new LineitemPages("Host=127.0.0.1;Port=55106;Username=postgres;Database=tpch", Pages);
        managed.AddRange(source.Pages);
        visibility.AddRange(source.Visibility);
        q1 = new HeapPageDecoder(source.Layout, [5, 6, 7, 8, 9, 10, 11]);
        batchA = q1.NewBatch(BatchRows);
        // a pad between the two batches' buffers, so their addresses modulo 4 KB differ
        pad = new byte[1000];
        batchB = q1.NewBatch(BatchRows);
        batchC = q1.NewBatch(BatchRows);
        pool = Copy(PoolStride, 64, huge: false);
        poolHuge = Copy(PoolStride, 64, huge: true);
        aligned = Copy(HeapPageDecoder.PageSize, 0, huge: false);
        alignedHuge = Copy(HeapPageDecoder.PageSize, 0, huge: true);
        // the managed pages and buffers stay where this compaction puts them (the runs allocate nothing)
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Console.WriteLine($"// managed pages mod 4096: first {Mod(managed[0])}, second {Mod(managed[1])}, third {Mod(managed[2])}");
        Console.WriteLine($"// batch A buffers mod 4096: {Buffers(batchA)}");
        Console.WriteLine($"// batch B buffers mod 4096: {Buffers(batchB)}");
        Console.WriteLine($"// two-phase prototype vs decoder: {CheckTwoPhase()}");
        Console.WriteLine($"// batch C buffers in 2 MB pages: {CollapseBuffers(batchC)}");
        Console.WriteLine($"// AnonHugePages: pool {HugeKb(pool)} kB, poolHuge {HugeKb(poolHuge)} kB, aligned {HugeKb(aligned)} kB, alignedHuge {HugeKb(alignedHuge)} kB");
    }

    private byte[] pad = [];

    private byte* Copy(int stride, int pageOffset, bool huge)
    {
        nuint size = (nuint)(((long)stride * managed.Count + HugePage - 1) / HugePage * HugePage);
        var block = (byte*)NativeMemory.AlignedAlloc(size, HugePage);
        // before the first touch: the faults then map 2 MB pages (THP "madvise" mode) or 4 KB ones
        _ = Madvise(block, size, huge ? 14 : 15); // MADV_HUGEPAGE / MADV_NOHUGEPAGE
        new Span<byte>(block, (int)size).Clear();
        for (int p = 0; p < managed.Count; p++) managed[p].CopyTo(new Span<byte>(block + ((long)stride * p) + pageOffset, HeapPageDecoder.PageSize));
        return block + pageOffset;
    }

    /// <summary>
    /// Backs the 2 MB-aligned span of the GC heap holding the batch's buffers with 2 MB pages
    /// (MADV_HUGEPAGE, then MADV_COLLAPSE, Linux 6.1+): the buffers' L2 sets are then fixed by
    /// their virtual addresses instead of by which physical 4 KB pages the process got.
    /// </summary>
    private static string CollapseBuffers(RecordBatch b)
    {
        ulong lo = ulong.MaxValue, hi = 0;
        void Span<T>(T[] a) where T : unmanaged
        {
            fixed (T* p = a)
            {
                lo = Math.Min(lo, (ulong)p);
                hi = Math.Max(hi, (ulong)p + (ulong)(a.Length * sizeof(T)));
            }
        }
        foreach (var c in b.Columns)
        {
            switch (c)
            {
                case DecimalColumn d: Span(d.Values); break;
                case PrimitiveColumn<int> i: Span(i.Values); break;
                case VarBinaryColumn v: Span(v.Offsets); Span(v.Data); break;
            }
        }
        ulong start = lo & ~(ulong)(HugePage - 1), end = (hi + HugePage - 1) & ~(ulong)(HugePage - 1);
        int r1 = Madvise((void*)start, (nuint)(end - start), 14);
        int e1 = r1 == 0 ? 0 : Marshal.GetLastPInvokeError();
        int r2 = Madvise((void*)start, (nuint)(end - start), 25); // MADV_COLLAPSE
        int e2 = r2 == 0 ? 0 : Marshal.GetLastPInvokeError();
        return $"{(end - start) >> 20} MB from 0x{start:X}: MADV_HUGEPAGE {r1} (errno {e1}), MADV_COLLAPSE {r2} (errno {e2}), AnonHugePages {HugeKb((byte*)lo)} kB";
    }

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(void* addr, nuint length, int advice);

    private static long Mod(byte[] a)
    {
        fixed (byte* p = a) return (long)p & 4095;
    }

    private static string Buffers(RecordBatch b) => string.Join(", ", b.Columns.Select(c => c switch
    {
        DecimalColumn d => Addr(d.Values),
        PrimitiveColumn<int> i => Addr(i.Values),
        VarBinaryColumn v => $"{Addr(v.Offsets)}/{Addr(v.Data)}",
        _ => "?",
    }));

    private static string Addr<T>(T[] a) where T : unmanaged
    {
        fixed (T* p = a) return ((long)p & 4095).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>AnonHugePages of the mapping holding <paramref name="p"/> (/proc/self/smaps).</summary>
    private static string HugeKb(byte* p)
    {
        ulong a = (ulong)p;
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            if (dash > 0 && line.Length > dash + 1 && ulong.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out ulong lo)
                && line.IndexOf(' ') is int sp && sp > dash && ulong.TryParse(line.AsSpan(dash + 1, sp - dash - 1), System.Globalization.NumberStyles.HexNumber, null, out ulong hi))
            {
                inside = a >= lo && a < hi;
                continue;
            }
            if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal)) return line["AnonHugePages:".Length..].Trim().Replace(" kB", "", StringComparison.Ordinal);
        }
        return "?";
    }

    private int RunNative(byte* first, int stride, RecordBatch batch)
    {
        int total = 0;
        batch.Length = 0;
        foreach (var c in batch.Columns) c.Reset();
        int n = managed.Count;
        for (int p = 0; p < n; p++)
        {
            if (batch.Length + HeapPageDecoder.MaxTuplesPerPage > BatchRows)
            {
                total += batch.Length;
                batch.Length = 0;
                foreach (var c in batch.Columns) c.Reset();
            }
            var page = new ReadOnlySpan<byte>(first + ((long)stride * p), HeapPageDecoder.PageSize);
            if (p + 1 < n)
                q1.Decode(page, visibility[p], (uint)p, batch, null, new ReadOnlySpan<byte>(first + ((long)stride * (p + 1)), HeapPageDecoder.PageSize), visibility[p + 1]);
            else
                q1.Decode(page, visibility[p], (uint)p, batch, null);
        }
        return total + batch.Length;
    }

    public int Managed()
    {
        var batch = batchA;
        int total = 0;
        batch.Length = 0;
        foreach (var c in batch.Columns) c.Reset();
        for (int p = 0; p < managed.Count; p++)
        {
            if (batch.Length + HeapPageDecoder.MaxTuplesPerPage > BatchRows)
            {
                total += batch.Length;
                batch.Length = 0;
                foreach (var c in batch.Columns) c.Reset();
            }
            if (p + 1 < managed.Count)
                q1.Decode(managed[p], visibility[p], (uint)p, batch, null, managed[p + 1], visibility[p + 1]);
            else
                q1.Decode(managed[p], visibility[p], (uint)p, batch, null);
        }
        return total + batch.Length;
    }

    public int Pool() => RunNative(pool, PoolStride, batchA);

    public int PoolHuge() => RunNative(poolHuge, PoolStride, batchA);

    public int Aligned() => RunNative(aligned, HeapPageDecoder.PageSize, batchA);

    public int AlignedHuge() => RunNative(alignedHuge, HeapPageDecoder.PageSize, batchA);

    private readonly TwoPhaseQ1 twoPhase = new();

    /// <summary>TwoPhaseQ1 over Pool's pages into batch A (a prototype: see there).</summary>
    public int TwoPhase()
    {
        var batch = batchA;
        int total = 0;
        batch.Length = 0;
        foreach (var c in batch.Columns) c.Reset();
        for (int p = 0; p < managed.Count; p++)
        {
            if (batch.Length + HeapPageDecoder.MaxTuplesPerPage > BatchRows)
            {
                total += batch.Length;
                batch.Length = 0;
                foreach (var c in batch.Columns) c.Reset();
            }
            twoPhase.Decode(pool + ((long)PoolStride * p), visibility[p], batch, p + 1 < managed.Count ? pool + ((long)PoolStride * (p + 1)) : null);
        }
        return total + batch.Length;
    }

    /// <summary>TwoPhase's first 4,096-row batch equals the decoder's, value for value (printed by the setup).</summary>
    private string CheckTwoPhase()
    {
        var a = q1.NewBatch(BatchRows);
        var b = q1.NewBatch(BatchRows);
        int p = 0;
        while (p < managed.Count && a.Length + HeapPageDecoder.MaxTuplesPerPage <= BatchRows)
        {
            q1.Decode(new ReadOnlySpan<byte>(pool + ((long)PoolStride * p), HeapPageDecoder.PageSize), visibility[p], (uint)p, a, null);
            twoPhase.Decode(pool + ((long)PoolStride * p), visibility[p], b);
            p++;
        }
        if (a.Length != b.Length) return $"rows {a.Length} vs {b.Length}";
        for (int c = 0; c < 7; c++)
        {
            for (int r = 0; r < a.Length; r++)
            {
                bool same = (a.Columns[c], b.Columns[c]) switch
                {
                    (DecimalColumn x, DecimalColumn y) => x.Values[r] == y.Values[r],
                    (VarBinaryColumn x, VarBinaryColumn y) => x.GetBytes(r).SequenceEqual(y.GetBytes(r)),
                    (PrimitiveColumn<int> x, PrimitiveColumn<int> y) => x.Values[r] == y.Values[r],
                    _ => false,
                };
                if (!same) return $"column {c} row {r} differs";
            }
        }
        return $"{a.Length} rows equal, refused {twoPhase.Refused}";
    }

    public int PoolBatchB() => RunNative(pool, PoolStride, batchB);

    public int PoolHugeBatchHuge() => RunNative(poolHuge, PoolStride, batchC);

    public int PoolBatchHuge() => RunNative(pool, PoolStride, batchC);
}
