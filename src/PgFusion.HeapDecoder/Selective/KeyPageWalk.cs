using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using PgFusion.HeapDecoder.Page;
using PgFusion.Types;

namespace PgFusion.HeapDecoder;

/// <summary>
/// The join-key stages of a staged decode (<see cref="FilterStage.Keys"/>) fused into one walk of
/// the page's line pointers: each visible tuple's keys are read where they lie (every attribute
/// before them is fixed-width, so at attcacheoff) and tested against the keys' bitmaps, and the
/// line pointers of the tuples kept are written straight into a visibility bitmap that the decode
/// of the scan's columns then walks. The general stage path decodes the key into a one-column
/// batch (a walk through the specialised decoder), selects row indices, remaps them to page
/// ordinals and turns those back into a bitmap: TPC-H Q3's and Q5's lineitem pipelines spent
/// ~30 % of the worker there (perf/perf7-2026-12-02.md).
/// <para>
/// Exactness: the walk tests only a tuple whose keys are plainly readable: a normal, in-bounds line
/// pointer, no null bitmap, t_hoff = MAXALIGN(23), every attribute up to the keys present and no
/// more attributes than the relation has, the keys inside the tuple. That is the value the general
/// path decodes, and none of those checks can raise there. Every other visible tuple (NULLs, an
/// attribute added after it was written, anything corrupt) is left unsure: the caller tests those
/// through the stages' batches as before, which decode or raise on them exactly as the general
/// path does. A page header Decode would refuse leaves every visible tuple unsure.
/// </para>
/// </summary>
internal sealed class KeyPageWalk
{
    /// <summary>t_hoff of a tuple without a null bitmap: MAXALIGN(23).</summary>
    private const int PlainHoff = (PageFormat.TupleHeaderSize + PageFormat.MaxAlign - 1) & ~(PageFormat.MaxAlign - 1);

    /// <summary>
    /// Tuples ahead of the walk whose first cache line is requested. The walk reads one line a tuple
    /// and little else, so it runs further ahead than TupleWalker's page loop (2): on 2,000 lineitem
    /// pages (JoinKeyWalkBenchmarks) 8 ahead, with the next page's tuples requested as well, took
    /// Q3's walk from 0.73 to 0.61 and Q5's from 0.91 to 0.72 of one pass through the batches at 2.
    /// </summary>
    private const int PrefetchAhead = 8;

    private readonly Test[] tests;
    private readonly int relationNatts;
    private readonly int minNatts;

    /// <summary>Bytes of tuple data up to the end of the last key.</summary>
    private readonly int dataNeeded;

    private KeyPageWalk(Test[] tests, int relationNatts)
    {
        this.tests = tests;
        this.relationNatts = relationNatts;
        minNatts = tests.Max(t => t.AttNum);
        dataNeeded = tests.Max(t => t.Offset + t.Width);
        Tested = new long[tests.Length];
        Passed = new long[tests.Length];
    }

    /// <summary>Per test (in the order given): the rows it tested and kept, since the walk was made.</summary>
    public long[] Tested { get; }

    public long[] Passed { get; }

    /// <summary>
    /// Whether <paramref name="stage"/> can be tested in the walk: a key stage on one int2, int4
    /// or int8 attribute after fixed-width attributes only.
    /// </summary>
    public static bool Fits(RelationLayout relation, FilterStage stage) => TestOf(relation, stage) is not null;

    /// <summary>The walk testing <paramref name="stages"/> in order (each one <see cref="Fits"/>).</summary>
    public static KeyPageWalk Create(RelationLayout relation, IReadOnlyList<FilterStage> stages)
    {
        ArgumentNullException.ThrowIfNull(relation);
        if (stages.Count == 0) throw new ArgumentException("no key stage", nameof(stages));
        var tests = stages.Select(s => TestOf(relation, s) ?? throw new ArgumentException($"stage {s.Description} is not a key stage the walk can test", nameof(stages))).ToArray();
        return new KeyPageWalk(tests, relation.Attributes.Count);
    }

    private static Test? TestOf(RelationLayout relation, FilterStage stage)
    {
        if (stage.Keys is not { } keys || stage.AttNums.Count != 1) return null;
        int attNum = stage.AttNums[0];
        if (attNum < 1 || attNum > relation.Attributes.Count) return null;
        // attcacheoff: every attribute before the key (dropped ones too: their bytes stay in the tuple) is fixed-width
        int off = 0;
        for (int a = 1; a < attNum; a++)
        {
            var before = relation.Attribute(a);
            if (before.Len <= 0) return null;
            off = Align(off, before.AlignBytes) + before.Len;
        }
        var key = relation.Attribute(attNum);
        int width = key.Type.Oid switch
        {
            PgTypeOid.Int2 => 2,
            PgTypeOid.Int4 => 4,
            PgTypeOid.Int8 => 8,
            _ => 0,
        };
        if (width == 0 || key.IsDropped || key.Len != width) return null;
        return new Test(Align(off, key.AlignBytes), width, attNum, keys);
    }

    private static int Align(int off, int alignBytes) => (off + alignBytes - 1) & ~(alignBytes - 1);

    /// <summary>
    /// Writes to <paramref name="kept"/> the bits of the visible tuples whose keys pass every test,
    /// and to <paramref name="unsure"/> those of the visible tuples it could not test (each
    /// <see cref="HeapPageDecoder.VisibilityBitmapBytes"/> bytes); returns how many were kept, and
    /// in <paramref name="unsureCount"/> how many are unsure. <paramref name="nextPage"/> (or empty)
    /// is what the caller walks next: its header and line pointers are requested now, a hint only.
    /// </summary>
    public int Select(ReadOnlySpan<byte> page, ReadOnlySpan<byte> visibility, ReadOnlySpan<byte> nextPage, Span<byte> kept, Span<byte> unsure, out int unsureCount)
    {
        const int bytes = HeapPageDecoder.VisibilityBitmapBytes;
        if (visibility.Length < bytes) throw new ArgumentException($"visibility bitmap has {visibility.Length} bytes, expected {bytes}", nameof(visibility));
        if (kept.Length < bytes) throw new ArgumentException($"bitmap has {kept.Length} bytes, expected {bytes}", nameof(kept));
        if (unsure.Length < bytes) throw new ArgumentException($"bitmap has {unsure.Length} bytes, expected {bytes}", nameof(unsure));
        kept[..bytes].Clear();
        unsure[..bytes].Clear();
        if (nextPage.Length == PageFormat.BlockSize) PrefetchHeader(nextPage);
        int items = Items(page, out int upper, out int special);
        if (items < 0)
        {
            // Decode raises on this page: the stages' batches meet it
            visibility[..bytes].CopyTo(unsure);
            unsureCount = 0;
            foreach (byte b in unsure[..bytes]) unsureCount += BitOperations.PopCount(b);
            return 0;
        }
        return tests.Length == 1
            ? Walk<One>(page, visibility, nextPage, items, upper, special, kept, unsure, out unsureCount)
            : Walk<Many>(page, visibility, nextPage, items, upper, special, kept, unsure, out unsureCount);
    }

    /// <summary>The page loop; <typeparamref name="TCount"/> says whether the tests are one (no loop over them).</summary>
    private int Walk<TCount>(ReadOnlySpan<byte> page, ReadOnlySpan<byte> visibility, ReadOnlySpan<byte> nextPage, int items, int upper, int special, Span<byte> kept, Span<byte> unsure, out int unsureCount)
        where TCount : struct, ITestCount
    {
        ref byte pageRef = ref MemoryMarshal.GetReference(page);
        ref byte visibilityRef = ref MemoryMarshal.GetReference(visibility);
        ref byte keptRef = ref MemoryMarshal.GetReference(kept);
        var tests = this.tests;
        var tested = Tested;
        var passed = Passed;
        int minLen = PlainHoff + dataNeeded;
        int count = 0;
        int unsureRows = 0;
        long tested0 = 0, passed0 = 0;
        // the next page's tuple i is requested with this page's tuple i (its line pointers were requested at the start;
        // an item past its own count requests a meaningless address, which costs the hint only)
        bool next = nextPage.Length == PageFormat.BlockSize;
        ref byte nextRef = ref MemoryMarshal.GetReference(nextPage);
        // the caller checked items <= MaxHeapTuplesPerPage (inside the 40-byte bitmaps) and the line pointers inside the page
        for (int i = 0; i < items; i++)
        {
            if (i + PrefetchAhead < items) Prefetch(ref pageRef, i + PrefetchAhead);
            if (next) Prefetch(ref nextRef, i);
            if ((Unsafe.Add(ref visibilityRef, i >> 3) & (1 << (i & 7))) == 0) continue;
            uint lp = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref pageRef, PageFormat.HeaderSize + (i * PageFormat.ItemIdSize)));
            if (((lp >> 15) & 3) != PageFormat.LpNormal) continue;
            int off = (int)(lp & 0x7FFF);
            int len = (int)(lp >> 17);
            if (off >= upper && off + len <= special && len >= minLen)
            {
                // off + len <= pd_special <= BLCKSZ: the tuple, so its header and keys, lie inside the page
                ref byte tuple = ref Unsafe.Add(ref pageRef, off);
                int infomask2 = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref tuple, PageFormat.InfoMask2Offset));
                int infomask = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref tuple, PageFormat.InfoMaskOffset));
                int natts = infomask2 & PageFormat.NattsMask;
                if (Unsafe.Add(ref tuple, PageFormat.HoffOffset) == PlainHoff && (infomask & PageFormat.HasNull) == 0
                    && natts >= minNatts && natts <= relationNatts)
                {
                    ref byte data = ref Unsafe.Add(ref tuple, PlainHoff);
                    if (typeof(TCount) == typeof(One))
                    {
                        ref readonly Test t = ref tests[0];
                        tested0++;
                        if (!t.Keys.Contains(t.Read(ref data))) continue;
                        passed0++;
                    }
                    else if (!PassesAll(tests, ref data, tested, passed))
                    {
                        continue;
                    }
                    Unsafe.Add(ref keptRef, i >> 3) |= (byte)(1 << (i & 7));
                    count++;
                    continue;
                }
            }
            unsure[i >> 3] |= (byte)(1 << (i & 7));
            unsureRows++;
        }
        if (typeof(TCount) == typeof(One))
        {
            tested[0] += tested0;
            passed[0] += passed0;
        }
        unsureCount = unsureRows;
        return count;
    }

    /// <summary>Every test in order, until one rejects the row.</summary>
    private static bool PassesAll(Test[] tests, ref byte data, long[] tested, long[] passed)
    {
        for (int k = 0; k < tests.Length; k++)
        {
            ref readonly Test t = ref tests[k];
            tested[k]++;
            if (!t.Keys.Contains(t.Read(ref data))) return false;
            passed[k]++;
        }
        return true;
    }

    /// <summary>
    /// Decode's header checks (ReadPageHeader): the line pointer count, or 0 for a new page, or -1
    /// for a header Decode raises on.
    /// </summary>
    private static int Items(ReadOnlySpan<byte> page, out int upper, out int special)
    {
        upper = 0;
        special = 0;
        if (page.Length != PageFormat.BlockSize) return -1;
        int flags = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.FlagsOffset..]);
        int lower = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.LowerOffset..]);
        upper = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.UpperOffset..]);
        special = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.SpecialOffset..]);
        // a new page is all zeros (else Decode raises on it)
        if (upper == 0) return page.IndexOfAnyExcept((byte)0) >= 0 ? -1 : 0;
        if ((flags & ~PageFormat.ValidFlagBits) != 0) return -1;
        if (lower < PageFormat.HeaderSize || lower > upper || upper > special || special > PageFormat.BlockSize || (special & (PageFormat.MaxAlign - 1)) != 0) return -1;
        int items = (lower - PageFormat.HeaderSize) / PageFormat.ItemIdSize;
        return items > PageFormat.MaxHeapTuplesPerPage ? -1 : items;
    }

    /// <summary>The first cache line of the tuple at <paramref name="item"/> (a hint: a corrupt offset is never read from).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref byte page, int item)
    {
        if (!Sse.IsSupported) return;
        uint lp = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref page, PageFormat.HeaderSize + (item * PageFormat.ItemIdSize)));
        Sse.Prefetch0((byte*)Unsafe.AsPointer(ref page) + (lp & 0x7FFF));
    }

    /// <summary>The next page's header and line pointers (its first 4 cache lines; a hint only).</summary>
    private static unsafe void PrefetchHeader(ReadOnlySpan<byte> next)
    {
        if (!Sse.IsSupported) return;
        // an address for a prefetch hint only; the GC may move a managed page, which costs nothing but the hint
        byte* p = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(next));
        Sse.Prefetch0(p);
        Sse.Prefetch0(p + 64);
        Sse.Prefetch0(p + 128);
        Sse.Prefetch0(p + 192);
    }

    /// <summary>One key: its offset in the tuple data, its width (2, 4, 8) and attribute, and the keys kept.</summary>
    private readonly record struct Test(int Offset, int Width, int AttNum, StageKeys Keys)
    {
        /// <summary>The key, sign-extended (the caller checked the tuple data holds Offset + Width bytes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public long Read(ref byte data) => Width switch
        {
            4 => Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref data, Offset)),
            8 => Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref data, Offset)),
            _ => Unsafe.ReadUnaligned<short>(ref Unsafe.Add(ref data, Offset)),
        };
    }

    private interface ITestCount;

    private struct One : ITestCount;

    private struct Many : ITestCount;
}
