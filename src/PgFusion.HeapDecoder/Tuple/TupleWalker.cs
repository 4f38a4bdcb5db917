using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PgFusion.HeapDecoder.Numeric;
using PgFusion.HeapDecoder.Page;

namespace PgFusion.HeapDecoder.Tuple;

/// <summary>
/// The fast walk (HeapPageDecoder.Steps) specialised for one relation layout: the step list
/// becomes a chain of generic struct types (one per attribute, the next step a type argument,
/// alignment, length and step index constants as type arguments), so the JIT emits straight-line
/// code per layout: no dispatch per attribute, constant alignment and offsets into the step
/// array, and branch sites of their own per column. Built once per decoder with MakeGenericType;
/// the runtime keeps one instantiation (and one compiled body) per distinct layout.
/// Same contract as the step list: never throws, false = decode the tuple with the general walk.
/// </summary>
internal abstract class TupleWalker
{
    /// <summary>The largest step count the constant types below cover.</summary>
    public const int MaxSteps = 32;

    /// <summary>
    /// Bytes of validated memory every step may read past the end of the tuple data: a step is
    /// entered at or before that end (each checks the end of its value before the next runs)
    /// and reads at most this many bytes from a value's start (numeric: 11, text: 33), so the
    /// steps need no per-value bound check for their wide loads. Tuples in the page with fewer
    /// bytes after them (the one that ends the page) are walked from a padded copy.
    /// </summary>
    public const int SlackBytes = 33;

    /// <param name="readable">Bytes of the page from data on (at least dataLength).</param>
    public abstract bool Walk(ref byte data, int dataLength, int readable, int off, int row, FastStep[] steps);

    /// <summary>
    /// The page loop for runs of tuples the walk takes: from line pointer <paramref name="item"/>
    /// (0-based) on, skips invisible and non-normal items and walks the rest while they have no
    /// null bitmap, sane bounds and every needed attribute. Returns the first item it did not
    /// take (or items): the caller decodes or rejects that one with the general walk and calls
    /// again after it. <paramref name="scan"/>.Row advances by the tuples written.
    /// </summary>
    public abstract int WalkPage(ref byte page, ref byte visibility, int item, ref PageScan scan, FastStep[] steps);

    /// <summary>
    /// The same page loop compiled fully optimised at its first call (no Tier0, no profile): what a
    /// decoder runs while <see cref="WalkPage"/> is still below its final tier (<see cref="WalkWarmup"/>).
    /// </summary>
    public abstract int WalkPageOptimized(ref byte page, ref byte visibility, int item, ref PageScan scan, FastStep[] steps);

    /// <summary>
    /// WalkPage of this layout has been measured at least as fast as WalkPageOptimized (by this or an
    /// earlier decoder of the layout: the compiled code is per layout): decoders run WalkPage only.
    /// </summary>
    public abstract bool TieredWarm { get; set; }

    /// <summary>
    /// A walker for the steps, or null when one of them has no specialised form.
    /// </summary>
    /// <param name="nextLines">Cache lines of the next page asked for per tuple walked (NextPrefetch.Lines; 1-8).</param>
    public static TupleWalker? TryCreate(FastStep[] steps, int nextLines = NextPrefetch.Lines)
    {
        if (steps.Length > MaxSteps) return null;
        var chain = typeof(WalkEnd);
        for (int k = steps.Length - 1; k >= 0; k--)
        {
            var s = steps[k];
            var index = Const(k);
            var align = Const(s.AlignMask + 1);
            Type? step = s.Kind switch
            {
                FastKind.SkipFixed when s.Len <= MaxSteps => typeof(SkipFixed<,,>).MakeGenericType(Const(s.Len), align, chain),
                FastKind.SkipVarlena => typeof(SkipVarlena<,>).MakeGenericType(align, chain),
                FastKind.Copy2 => typeof(Copy2<,,>).MakeGenericType(align, index, chain),
                FastKind.Copy4 => typeof(Copy4<,,>).MakeGenericType(align, index, chain),
                FastKind.Copy8 => typeof(Copy8<,,>).MakeGenericType(align, index, chain),
                FastKind.Numeric => typeof(NumericStep<,,>).MakeGenericType(align, index, chain),
                FastKind.Text => typeof(TextStep<,,>).MakeGenericType(align, index, chain),
                _ => null,
            };
            if (step is null) return null;
            chain = step;
        }
        if (nextLines < 1 || nextLines > 8) return null;
        return (TupleWalker)Activator.CreateInstance(typeof(TupleWalker<,>).MakeGenericType(chain, Const(nextLines)))!;
    }

    private static Type Const(int value) => value switch
    {
        0 => typeof(C0), 1 => typeof(C1), 2 => typeof(C2), 3 => typeof(C3), 4 => typeof(C4), 5 => typeof(C5),
        6 => typeof(C6), 7 => typeof(C7), 8 => typeof(C8), 9 => typeof(C9), 10 => typeof(C10), 11 => typeof(C11),
        12 => typeof(C12), 13 => typeof(C13), 14 => typeof(C14), 15 => typeof(C15), 16 => typeof(C16), 17 => typeof(C17),
        18 => typeof(C18), 19 => typeof(C19), 20 => typeof(C20), 21 => typeof(C21), 22 => typeof(C22), 23 => typeof(C23),
        24 => typeof(C24), 25 => typeof(C25), 26 => typeof(C26), 27 => typeof(C27), 28 => typeof(C28), 29 => typeof(C29),
        30 => typeof(C30), 31 => typeof(C31), 32 => typeof(C32),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "no constant type"),
    };
}

internal sealed class TupleWalker<TWalk, TNextLines> : TupleWalker
    where TWalk : struct, IWalkStep where TNextLines : struct, IConst
{
    /// <summary>A copy of the tuple data being walked, with SlackBytes after it (tuples near the end of the page).</summary>
    private readonly byte[] _padded = new byte[PageFormat.BlockSize + SlackBytes];

    /// <summary>
    /// Page-ending tuples still to walk padded without trying the shortened walk first (set
    /// after a shortened walk failed: the projection's values reach into the tuple's last
    /// SlackBytes, as a projection of the last attribute does on every tuple).
    /// </summary>
    private int _paddedOnly;

    /// <summary>How many page-ending tuples a failed shortened walk sends straight to the padded copy.</summary>
    private const int PaddedOnlyAfterFail = 64;

    public override bool Walk(ref byte data, int dataLength, int readable, int off, int row, FastStep[] steps) =>
        readable - dataLength >= SlackBytes
            ? TWalk.Walk(ref data, dataLength, off, row, ref MemoryMarshal.GetArrayDataReference(steps))
            : WalkNearEnd(ref data, dataLength, off, row, ref MemoryMarshal.GetArrayDataReference(steps));

    /// <summary>
    /// The walk of a tuple with fewer than SlackBytes of the page after its data (the tuple
    /// that ends the page). First in place over the data minus its last SlackBytes: every step
    /// is entered at or before the end it is given and reads at most SlackBytes from there, so
    /// nothing past the real end is read, and when every needed value ends before that shorter
    /// end (Q1's columns end ~70 bytes before a lineitem tuple's end) the values are those of
    /// the full walk. Otherwise (false: a value reaches into the last SlackBytes, or anything
    /// the steps give back) the padded copy, which also rewrites whatever the first try stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WalkNearEnd(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        if (_paddedOnly > 0)
        {
            _paddedOnly--;
        }
        else if (off <= dataLength - SlackBytes)
        {
            if (TWalk.Walk(ref data, dataLength - SlackBytes, off, row, ref steps)) return true;
            _paddedOnly = PaddedOnlyAfterFail;
        }
        return WalkPadded(ref data, dataLength, off, row, ref steps);
    }

    /// <summary>
    /// The walk over a copy of the tuple data followed by SlackBytes (zeros or an earlier
    /// tuple's bytes: read, never used): for a tuple with fewer bytes of the page after it.
    /// Every value the steps store is copied out of the data (numerics decoded, texts copied),
    /// so nothing keeps a reference into the copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WalkPadded(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        // dataLength <= the tuple's length <= BLCKSZ = _padded.Length - SlackBytes
        ref byte copy = ref MemoryMarshal.GetArrayDataReference(_padded);
        Unsafe.CopyBlockUnaligned(ref copy, ref data, (uint)dataLength);
        return TWalk.Walk(ref copy, dataLength, off, row, ref steps);
    }

    /// <summary>
    /// Tuples ahead of the walk whose first cache lines are requested (tuples lie in descending
    /// addresses, which the hardware prefetchers follow poorly). 2 measured ~8 % faster than 3
    /// on Q1's columns (perf/decoder6.md); 1 and 6 were slower.
    /// </summary>
    private const int PrefetchAhead = 2;

    /// <summary>Cache lines of the next page asked for per tuple walked on this one (NextPrefetch.Lines: a type constant).</summary>
    private static int NextLinesPerTuple => TNextLines.Value;

    /// <summary>t_hoff of a tuple without a null bitmap: MAXALIGN(23).</summary>
    private const int PlainHoff = (PageFormat.TupleHeaderSize + PageFormat.MaxAlign - 1) & ~(PageFormat.MaxAlign - 1);

    /// <summary>
    /// Where the 8-byte header word starts: t_ctid's ip_posid (bits 0-15), t_infomask2 (16-31),
    /// t_infomask (32-47), t_hoff (48-55) and the byte after it (56-63).
    /// </summary>
    private const int HeadOffset = PageFormat.InfoMask2Offset - 2;

    /// <summary>The header word's natts bits (t_infomask2 &amp; HEAP_NATTS_MASK), HEAP_HASNULL and t_hoff.</summary>
    private const ulong PlainHeadMask = ((ulong)0xFF << 48) | ((ulong)PageFormat.HasNull << 32) | ((ulong)PageFormat.NattsMask << 16);

    /// <summary>A header word without a null bitmap, t_hoff PlainHoff and natts in minNatts..maxNatts (one unsigned compare).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasFewerAttributes(ulong head, int minNatts, int maxNatts) =>
        (head & (PlainHeadMask & ~((ulong)PageFormat.NattsMask << 16))) == ((ulong)PlainHoff << 48)
        && (uint)((int)(head >> 16) & PageFormat.NattsMask) - (uint)minNatts <= (uint)(maxNatts - minNatts);

    /// <summary>
    /// Asks for the first three cache lines of the tuple at line pointer <paramref name="item"/>
    /// (which the caller keeps below the page's line pointer count). A hint only: a corrupt
    /// offset is never read from, and a prefetch of any address cannot fault.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref byte page, int item)
    {
        if (!Sse.IsSupported) return;
        uint lp = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref page, PageFormat.HeaderSize + (item * PageFormat.ItemIdSize)));
        byte* tuple = (byte*)Unsafe.AsPointer(ref page) + (lp & 0x7FFF);
        Sse.Prefetch0(tuple);
        Sse.Prefetch0(tuple + 64);
        Sse.Prefetch0(tuple + 128);
    }

    /// <summary>Per layout (a static of the instantiation): see TupleWalker.TieredWarm.</summary>
    private static bool s_tieredWarm;

    public override bool TieredWarm
    {
        get => s_tieredWarm;
        set => s_tieredWarm = value;
    }

    public override int WalkPage(ref byte page, ref byte visibility, int item, ref PageScan scan, FastStep[] steps) =>
        PageLoop(ref page, ref visibility, item, ref scan, steps);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override int WalkPageOptimized(ref byte page, ref byte visibility, int item, ref PageScan scan, FastStep[] steps) =>
        PageLoop(ref page, ref visibility, item, ref scan, steps);

    /// <summary>The body of WalkPage and WalkPageOptimized (inlined into both).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe int PageLoop(ref byte page, ref byte visibility, int item, ref PageScan scan, FastStep[] steps)
    {
        ref FastStep stepRef = ref MemoryMarshal.GetArrayDataReference(steps);
        // item, row, offsets and lengths native-sized: no sign extension per line pointer, tuple or column access
        nint items = scan.Items;
        nint upper = scan.Upper;
        nint special = scan.Special;
        int minNatts = scan.MinNatts;
        int maxNatts = scan.MaxNatts;
        nint startOff = scan.StartOffset;
        nint row = scan.Row;
        // the next page's tuple space, asked for a few cache lines per tuple walked here, from its
        // end down (the order its tuples are walked in); null when the caller passed no next page
        byte* next = (byte*)scan.NextPage;
        nint nextLine = scan.NextLine;
        // items below this ask for the tuple PrefetchAhead items on (none on a page the previous Decode call
        // asked for as its next page: it is on its way already); one compare per tuple
        nint prefetchEnd = scan.Requested ? 0 : items - PrefetchAhead;
        // every line pointer of the page has its visibility bit (an all-visible page): no bit test per tuple
        bool allVisible = scan.AllVisible;
        // a tuple the walk takes is at least this long: its header, no null bitmap, and the data up to the first step
        nint minLen = PlainHoff + startOff;
        // the header word (HeadOffset) of such a tuple with every attribute of the relation, under PlainHeadMask
        ulong plainHead = ((ulong)PlainHoff << 48) | ((ulong)(uint)maxNatts << 16);
        // each item writes at most one row: items up to itemEnd fit the bound buffers without a check per tuple
        nint itemEnd = Math.Min(items, item + Math.Max(0, scan.RowLimit - scan.Row));
        nint i = item;
        // the caller checked the page header: items <= (pd_lower - 24) / 4 with pd_lower <=
        // pd_upper <= pd_special <= BLCKSZ, and the visibility bitmap covers MaxHeapTuplesPerPage
        for (; i < itemEnd; i++)
        {
            if (i < prefetchEnd) Prefetch(ref page, (int)i + PrefetchAhead);
            if (nextLine > 256 && Sse.IsSupported)
            {
                nextLine -= NextLinesPerTuple * 64;
                // unrolled by the constant: the tests fold away
                Sse.Prefetch0(next + nextLine);
                if (NextLinesPerTuple > 1) Sse.Prefetch0(next + nextLine + 64);
                if (NextLinesPerTuple > 2) Sse.Prefetch0(next + nextLine + 128);
                if (NextLinesPerTuple > 3) Sse.Prefetch0(next + nextLine + 192);
                if (NextLinesPerTuple > 4) Sse.Prefetch0(next + nextLine + 256);
                if (NextLinesPerTuple > 5) Sse.Prefetch0(next + nextLine + 320);
                if (NextLinesPerTuple > 6) Sse.Prefetch0(next + nextLine + 384);
                if (NextLinesPerTuple > 7) Sse.Prefetch0(next + nextLine + 448);
            }
            if (!allVisible && (Unsafe.Add(ref visibility, i >> 3) & (1 << (int)(i & 7))) == 0) continue;
            uint lp = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref page, PageFormat.HeaderSize + (i * PageFormat.ItemIdSize)));
            if (((lp >> 15) & 3) != PageFormat.LpNormal) continue;
            nint off = (nint)(lp & 0x7FFF);
            nint len = (nint)(lp >> 17);
            nint end = off + len;
            // len >= minLen >= PlainHoff: the header word below lies inside the tuple
            if (off < upper || end > special || len < minLen) break;
            // off + len <= pd_special <= BLCKSZ: the whole tuple lies inside the page
            ref byte tuple = ref Unsafe.Add(ref page, off);
            // no null bitmap: t_hoff is MAXALIGN(SizeofHeapTupleHeader) = 24 (PostgreSQL 12 on has no OIDs in the
            // header); any other t_hoff goes to the general walk, which checks it. Checked as one compare of
            // t_infomask2's natts, t_infomask's HEAP_HASNULL and t_hoff when the tuple has every attribute of
            // the relation; one with fewer (added later) but every needed one takes the second test.
            ulong head = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref tuple, HeadOffset));
            if ((head & PlainHeadMask) != plainHead && !HasFewerAttributes(head, minNatts, maxNatts)) break;
            nint dataLength = len - PlainHoff;
            // SlackBytes of the page after the tuple data (every tuple but the one that ends the page),
            // else WalkNearEnd. Two exits instead of one bool from either: the inlined walk's last step
            // falls through to row++ (a merged bool was materialised and tested per tuple)
            if (end <= PageFormat.BlockSize - SlackBytes)
            {
                if (!TWalk.Walk(ref Unsafe.Add(ref tuple, PlainHoff), dataLength, startOff, row, ref stepRef)) break;
            }
            else if (!WalkNearEnd(ref Unsafe.Add(ref tuple, PlainHoff), (int)dataLength, (int)startOff, (int)row, ref stepRef))
            {
                break;
            }
            row++;
        }
        item = (int)i;
        scan.Row = (int)row;
        scan.NextLine = (int)nextLine;
        return item;
    }
}

/// <summary>What a page run of the specialised walk needs besides the page (set per page by HeapPageDecoder).</summary>
internal struct PageScan
{
    /// <summary>Line pointers on the page.</summary>
    public int Items;

    public int Upper;
    public int Special;

    /// <summary>Tuples need at least this many attributes (the last needed one) and at most the relation's.</summary>
    public int MinNatts;
    public int MaxNatts;

    /// <summary>The data offset the walk starts at (attcacheoff of the first step).</summary>
    public int StartOffset;

    /// <summary>Rows every bound buffer can take.</summary>
    public int RowLimit;

    /// <summary>The next row to write; advanced by WalkPage.</summary>
    public int Row;

    /// <summary>
    /// The page the caller decodes after this one (a prefetch hint only: never read from), and
    /// the byte offset in it down to which its cache lines were asked for (256 or less: all of them, or no next page).
    /// </summary>
    public nint NextPage;
    public int NextLine;

    /// <summary>This page's lines were requested while the previous page was walked (it was that call's next page): no prefetch ahead in it.</summary>
    public bool Requested;

    /// <summary>Every line pointer of the page (0..Items-1) has its visibility bit set: the walk tests none of them.</summary>
    public bool AllVisible;
}

/// <summary>
/// One attribute of a specialised walk; calls the next step's Walk last. Offsets, lengths and
/// the row are native-sized (decoder14): every value load and column store then addresses
/// data + off or array + row without a sign extension per access (the walk's offsets are never
/// negative: they start at attcacheoff and only grow).
/// </summary>
internal interface IWalkStep
{
    static abstract bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps);
}

internal struct WalkEnd : IWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps) => true;
}

internal struct SkipFixed<TLen, TAlign, TNext> : IWalkStep
    where TLen : struct, IConst where TAlign : struct, IConst where TNext : struct, IWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps)
    {
        off = ((off + (TAlign.Value - 1)) & ~(nint)(TAlign.Value - 1)) + TLen.Value;
        return off <= dataLength && TNext.Walk(ref data, dataLength, off, row, ref steps);
    }
}

internal struct SkipVarlena<TAlign, TNext> : IWalkStep
    where TAlign : struct, IConst where TNext : struct, IWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps)
    {
        if ((nuint)off >= (nuint)dataLength) return false;
        int b0 = Unsafe.Add(ref data, off);
        if ((b0 & 1) != 0)
        {
            int size = b0 >> 1;
            off += size;
            return b0 != 1 && off <= dataLength && TNext.Walk(ref data, dataLength, off, row, ref steps);
        }
        int next = FastVarlena.SkipLong(ref data, (int)dataLength, (int)off, TAlign.Value - 1);
        return next >= 0 && TNext.Walk(ref data, dataLength, next, row, ref steps);
    }
}

internal struct Copy2<TAlign, TIndex, TNext> : IWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, IWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps)
    {
        off = (off + (TAlign.Value - 1)) & ~(nint)(TAlign.Value - 1);
        if (off + 2 > dataLength) return false;
        // the column's 2-byte element array (short[], int[]/uint[]/float[] or long[]/double[]) as short[]: its data
        // starts at a fixed offset, where GetArrayDataReference(Array) reads the element size from the type
        var values = Unsafe.As<short[]>(Unsafe.Add(ref steps, TIndex.Value).Values!);
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(values), row) = Unsafe.ReadUnaligned<short>(ref Unsafe.Add(ref data, off));
        return TNext.Walk(ref data, dataLength, off + 2, row, ref steps);
    }
}

internal struct Copy4<TAlign, TIndex, TNext> : IWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, IWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps)
    {
        off = (off + (TAlign.Value - 1)) & ~(nint)(TAlign.Value - 1);
        if (off + 4 > dataLength) return false;
        // the column's 4-byte element array (short[], int[]/uint[]/float[] or long[]/double[]) as int[]: its data
        // starts at a fixed offset, where GetArrayDataReference(Array) reads the element size from the type
        var values = Unsafe.As<int[]>(Unsafe.Add(ref steps, TIndex.Value).Values!);
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(values), row) = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref data, off));
        return TNext.Walk(ref data, dataLength, off + 4, row, ref steps);
    }
}

internal struct Copy8<TAlign, TIndex, TNext> : IWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, IWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps)
    {
        off = (off + (TAlign.Value - 1)) & ~(nint)(TAlign.Value - 1);
        if (off + 8 > dataLength) return false;
        // the column's 8-byte element array (short[], int[]/uint[]/float[] or long[]/double[]) as long[]: its data
        // starts at a fixed offset, where GetArrayDataReference(Array) reads the element size from the type
        var values = Unsafe.As<long[]>(Unsafe.Add(ref steps, TIndex.Value).Values!);
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(values), row) = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref data, off));
        return TNext.Walk(ref data, dataLength, off + 8, row, ref steps);
    }
}

internal struct NumericStep<TAlign, TIndex, TNext> : IWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, IWalkStep
{
    /// <summary>Bits 7, 11, 15, 19, 23: 1-byte varlena headers of 3, 5, 7, 9 and 11 bytes in all, a short numeric of 0-4 digits.</summary>
    private const uint ShortDigitSizes = 0x0088_8880;

    /// <summary>
    /// A non-negative scaled value below 2^63 into element <paramref name="row"/> of the column's Int128[]:
    /// one 16-byte store of the value with a zero upper half (instead of two 8-byte stores).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePositive(ref FastStep s, nint row, ulong value) =>
        Unsafe.WriteUnaligned(
            ref Unsafe.As<Int128, byte>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<Int128[]>(s.Values!)), row)),
            Vector128.CreateScalar(value));

    /// <summary>
    /// The common case inline (a 1-byte varlena header of a 0-4 digit short numeric, 11 readable
    /// bytes from the header, a value the column's scale table places exactly); anything else,
    /// including every failure, goes to one out-of-line call that decodes the value again from
    /// its start (<see cref="Other"/>). No value of the inline path is live on the slow path, so
    /// the JIT keeps them in registers instead of spilling them at their definitions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps)
    {
        nint next;
        ref FastStep s = ref Unsafe.Add(ref steps, TIndex.Value);
        // off <= dataLength (every step checks the end of its value) and SlackBytes readable past the tuple data:
        // the header byte, the 2-byte numeric header and an 8-byte digit load lie inside the page
        uint shape = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref data, off)) & 0xFF_FFFF;
        if (shape == s.Guess)
        {
            // the guessed shape (ShapeGuess.LearnNumeric): a positive short numeric of GuessSize bytes, its
            // 0-2 digits (masked by GuessMask) read as d0 * 10000 + d1, or 3-4 digits (GuessWide) as the four
            // lanes of NumericScaled.Combine, and scaled by GuessEntry; anything
            // the entry does not place exactly is left to the path below, which decodes it as without a guess
            next = off + s.GuessSize;
            ulong acc2;
            // a digit over 9999 (a corrupt page) goes to the path below at once: tested where it is made, nothing
            // of it stays live (a word tested with the other checks was spilled to the stack and reloaded)
            if (!s.GuessWide)
            {
                uint pair = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref data, off + 3)) & (uint)s.GuessMask;
                if (NumericScaled.BadDigitBits2(pair) != 0) goto Unguessed;
                acc2 = ((ulong)(pair & 0xFFFF) * 10_000UL) + (pair >> 16);
            }
            else
            {
                ulong four = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref data, off + 3)) & s.GuessMask;
                if (NumericScaled.BadDigitBits(four) != 0) goto Unguessed;
                acc2 = (ulong)NumericScaled.Combine(four);
            }
            ulong q2 = BitOperations.RotateRight(acc2 * s.GuessEntry.Multiplier, s.GuessEntry.Rotate);
            // no overflow check: a guess's entry takes every digit value without one (ShapeGuess.LearnNumeric)
            if (next <= dataLength && q2 <= s.GuessEntry.MaxResult)
            {
                // q2 < 2^63 (an exact quotient, or a product the entry's Limit admits: checked when the guess was
                // learned): the upper half is zero, no sign extension
                StorePositive(ref s, row, q2);
                goto Next;
            }
        }
        else
        {
            s.Misses++;
            s.Candidate = shape;
            if (shape == s.Guess2)
            {
                // the second guessed shape (ShapeGuess.LearnSecond): the digits as Combine's four lanes; a
                // value the entry does not place exactly goes on to the path below, as from the first guess
                next = off + s.Guess2Size;
                ulong lanes2 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref data, off + 3)) & s.Guess2Mask;
                if (NumericScaled.BadDigitBits(lanes2) != 0) goto Unguessed;
                ulong q3 = BitOperations.RotateRight((ulong)NumericScaled.Combine(lanes2) * s.Guess2Entry.Multiplier, s.Guess2Entry.Rotate);
                if (next <= dataLength && q3 <= s.Guess2Entry.MaxResult)
                {
                    StorePositive(ref s, row, q3);
                    goto Next;
                }
            }
            else
            {
                s.Misses2++;
            }
        }
    Unguessed:
        int b0 = (int)(shape & 0xFF);
        next = off + (b0 >> 1);
        if ((uint)b0 >= 32 || ((ShortDigitSizes >> b0) & 1) == 0 || next > dataLength) goto Slow;
        int header = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref data, off + 1));
        if ((header & NumericFormat.SignMask) != NumericFormat.Short) goto Slow;
        // b0 = 7 + 4n for n digits: (b0 - 7) * 4 = 16n bits of digits
        ulong lanes = NumericScaled.MaskBits(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref data, off + 3)), (b0 - 7) << 2);
        if (NumericScaled.HasBadDigit(lanes)) goto Slow;
        // header & 0x7F < 128 = the table's length (NumericScaled.TableFor)
        ref ScaleEntry e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Table!), header & NumericScaled.WeightBits);
        ulong acc = (ulong)NumericScaled.Combine(lanes);
        ulong q = BitOperations.RotateRight(acc * e.Multiplier, e.Rotate);
        if (acc >= e.Limit || q > e.MaxResult) goto Slow;
        long negative = -(long)((header >> 13) & 1);
        // Kinds (when the column has them) are cleared for the whole run afterwards (HeapPageDecoder.AfterFastRows)
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<Int128[]>(s.Values!)), row) = ((long)q ^ negative) - negative;
        goto Next;
    Slow:
        next = Other(ref data, (int)dataLength, (int)off, TAlign.Value - 1, (int)row, ref steps, TIndex.Value);
        if (next < 0) return false;
    Next:
        return TNext.Walk(ref data, dataLength, next, row, ref steps);
    }

    /// <summary>
    /// Any numeric value from its start: a 1-byte or 4-byte header, decoded when NumericScaled
    /// places it exactly and stored at row; the offset after it, or -1 (the general walk decodes
    /// or rejects the tuple).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Other(ref byte data, int dataLength, int off, int alignMask, int row, ref FastStep steps, int index)
    {
        int readable = dataLength + TupleWalker.SlackBytes;
        ref FastStep s = ref Unsafe.Add(ref steps, index);
        if ((uint)off >= (uint)dataLength) return -1;
        int b0 = Unsafe.Add(ref data, off);
        int start;
        if ((b0 & 1) != 0)
        {
            // 1-byte header: total size (header included) in the upper 7 bits; 0x01 is an external pointer.
            start = off + 1;
            off += b0 >> 1;
            if (b0 == 1 || off > dataLength) return -1;
        }
        else
        {
            long r = FastVarlena.PlainLong(ref data, dataLength, off, alignMask);
            if (r < 0) return -1;
            start = (int)r;
            off = (int)(r >> 32);
        }
        long v = NumericScaled.TryShort(ref Unsafe.Add(ref data, start), off - start, s.Table!, readable - start);
        if (v == NumericScaled.NotDecoded) return -1;
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<Int128[]>(s.Values!)), row) = v;
        return off;
    }
}

internal struct TextStep<TAlign, TIndex, TNext> : IWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, IWalkStep
{
    /// <summary>
    /// The common case inline (a 1-byte header, a payload of at most 32 bytes with 32 readable
    /// bytes at it and 32 free bytes in the data buffer: one or two 16-byte moves, as
    /// FastVarlena.AppendText); anything else goes to one out-of-line call from the value's start.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, nint dataLength, nint off, nint row, ref FastStep steps)
    {
        nint next;
        ref FastStep s = ref Unsafe.Add(ref steps, TIndex.Value);
        // off <= dataLength and SlackBytes readable past the tuple data: 32 bytes after the header byte lie inside the page
        int b0 = Unsafe.Add(ref data, off);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(Unsafe.As<int[]>(s.Values!));
        var buffer = s.Bytes!;
        int at = Unsafe.Add(ref offsets, row);
        int size;
        if ((uint)b0 == s.Guess)
        {
            // the guessed header (ShapeGuess.LearnText: odd, not 0x01, a payload of at most 32 bytes): the size
            // comes from the guess, so the next attribute's offset does not wait for this byte
            size = s.GuessSize;
        }
        else
        {
            s.Misses++;
            s.Candidate = (uint)b0;
            size = b0 >> 1;
            // odd and not 0x01 (external), payload (b0 >> 1) - 1 <= 32
            if ((b0 & 1) == 0 || b0 == 1 || b0 > (33 << 1) + 1) goto Slow;
        }
        next = off + size;
        if (next > dataLength || (ulong)(uint)at + 32 > (ulong)(uint)buffer.Length) goto Slow;
        ref byte src = ref Unsafe.Add(ref data, off + 1);
        ref byte dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), (uint)at);
        Unsafe.WriteUnaligned(ref dst, Unsafe.ReadUnaligned<Vector128<byte>>(ref src));
        // payload = size - 1 (the header byte): more than 16 bytes takes a second move
        if (size > 17) Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, 16), Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref src, 16)));
        Unsafe.Add(ref offsets, row + 1) = at + size - 1;
        goto Next;
    Slow:
        next = Other(ref data, (int)dataLength, (int)off, TAlign.Value - 1, (int)row, ref steps, TIndex.Value);
        if (next < 0) return false;
    Next:
        return TNext.Walk(ref data, dataLength, next, row, ref steps);
    }

    /// <summary>Any text value from its start (1-byte or 4-byte header); the offset after it, or -1.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Other(ref byte data, int dataLength, int off, int alignMask, int row, ref FastStep steps, int index)
    {
        int readable = dataLength + TupleWalker.SlackBytes;
        ref FastStep s = ref Unsafe.Add(ref steps, index);
        if ((uint)off >= (uint)dataLength) return -1;
        int b0 = Unsafe.Add(ref data, off);
        int start;
        if ((b0 & 1) != 0)
        {
            // 1-byte header: total size (header included) in the upper 7 bits; 0x01 is an external pointer.
            start = off + 1;
            off += b0 >> 1;
            if (b0 == 1 || off > dataLength) return -1;
        }
        else
        {
            long r = FastVarlena.PlainLong(ref data, dataLength, off, alignMask);
            if (r < 0) return -1;
            start = (int)r;
            off = (int)(r >> 32);
        }
        return FastVarlena.AppendText(ref s, ref Unsafe.Add(ref data, start), off - start, row, readable - start) ? off : -1;
    }
}
