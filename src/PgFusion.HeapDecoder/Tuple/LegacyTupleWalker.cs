using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PgFusion.HeapDecoder.Numeric;
using PgFusion.HeapDecoder.Page;

namespace PgFusion.HeapDecoder.Tuple;

// The specialised walk as it was before decoder14 (main at ccc5940), kept whole and selectable with
// PGFUSION_DECODER_WALK=legacy so the two can be measured alternately in one process
// (perf/decoder14-2026-12-01.md). Same contract and checks as TupleWalker's steps.

internal sealed class LegacyTupleWalker<TWalk> : TupleWalker where TWalk : struct, LegacyIWalkStep
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

    /// <summary>
    /// Cache lines of the next page asked for per tuple walked on this one: a lineitem page holds
    /// ~53 tuples in 128 lines, so 3 per tuple cover it before the page ends.
    /// </summary>
    private const int NextLinesPerTuple = 3;

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
        int items = scan.Items;
        int upper = scan.Upper;
        int special = scan.Special;
        int minNatts = scan.MinNatts;
        int maxNatts = scan.MaxNatts;
        int startOff = scan.StartOffset;
        int rowLimit = scan.RowLimit;
        int row = scan.Row;
        // the next page's tuple space, asked for a few cache lines per tuple walked here, from its
        // end down (the order its tuples are walked in); null when the caller passed no next page
        byte* next = (byte*)scan.NextPage;
        int nextLine = scan.NextLine;
        bool prefetchAhead = !scan.Requested;
        // a tuple the walk takes is at least this long: its header, no null bitmap, and the data up to the first step
        int minLen = PlainHoff + startOff;
        // the header word (HeadOffset) of such a tuple with every attribute of the relation, under PlainHeadMask
        ulong plainHead = ((ulong)PlainHoff << 48) | ((ulong)(uint)maxNatts << 16);
        // each item writes at most one row: items up to itemEnd fit the bound buffers without a check per tuple
        int itemEnd = Math.Min(items, item + Math.Max(0, rowLimit - row));
        // the caller checked the page header: items <= (pd_lower - 24) / 4 with pd_lower <=
        // pd_upper <= pd_special <= BLCKSZ, and the visibility bitmap covers MaxHeapTuplesPerPage
        for (; item < itemEnd; item++)
        {
            // a page the previous Decode call asked for as its next page is on its way already
            if (prefetchAhead && item + PrefetchAhead < items) Prefetch(ref page, item + PrefetchAhead);
            if (nextLine > 256 && Sse.IsSupported)
            {
                nextLine -= NextLinesPerTuple * 64;
                Sse.Prefetch0(next + nextLine);
                Sse.Prefetch0(next + nextLine + 64);
                Sse.Prefetch0(next + nextLine + 128);
            }
            if ((Unsafe.Add(ref visibility, item >> 3) & (1 << (item & 7))) == 0) continue;
            uint lp = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref page, PageFormat.HeaderSize + (item * PageFormat.ItemIdSize)));
            if (((lp >> 15) & 3) != PageFormat.LpNormal) continue;
            int off = (int)(lp & 0x7FFF);
            int len = (int)(lp >> 17);
            int end = off + len;
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
            int dataLength = len - PlainHoff;
            // SlackBytes of the page after the tuple data (every tuple but the one that ends the page),
            // else WalkNearEnd
            bool done = end <= PageFormat.BlockSize - SlackBytes
                ? TWalk.Walk(ref Unsafe.Add(ref tuple, PlainHoff), dataLength, startOff, row, ref stepRef)
                : WalkNearEnd(ref Unsafe.Add(ref tuple, PlainHoff), dataLength, startOff, row, ref stepRef);
            if (!done) break;
            row++;
        }
        scan.Row = row;
        scan.NextLine = nextLine;
        return item;
    }
}
/// <summary>One attribute of a specialised walk; calls the next step's Walk last.</summary>
internal interface LegacyIWalkStep
{
    static abstract bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps);
}

internal struct LegacyWalkEnd : LegacyIWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps) => true;
}

internal struct LegacySkipFixed<TLen, TAlign, TNext> : LegacyIWalkStep
    where TLen : struct, IConst where TAlign : struct, IConst where TNext : struct, LegacyIWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        off = ((off + (TAlign.Value - 1)) & ~(TAlign.Value - 1)) + TLen.Value;
        return off <= dataLength && TNext.Walk(ref data, dataLength, off, row, ref steps);
    }
}

internal struct LegacySkipVarlena<TAlign, TNext> : LegacyIWalkStep
    where TAlign : struct, IConst where TNext : struct, LegacyIWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        if ((uint)off >= (uint)dataLength) return false;
        int b0 = Unsafe.Add(ref data, off);
        if ((b0 & 1) != 0)
        {
            int size = b0 >> 1;
            off += size;
            return b0 != 1 && off <= dataLength && TNext.Walk(ref data, dataLength, off, row, ref steps);
        }
        int next = FastVarlena.SkipLong(ref data, dataLength, off, TAlign.Value - 1);
        return next >= 0 && TNext.Walk(ref data, dataLength, next, row, ref steps);
    }
}

internal struct LegacyCopy2<TAlign, TIndex, TNext> : LegacyIWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, LegacyIWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        off = (off + (TAlign.Value - 1)) & ~(TAlign.Value - 1);
        if (off + 2 > dataLength) return false;
        // the column's 2-byte element array (short[], int[]/uint[]/float[] or long[]/double[]) as short[]: its data
        // starts at a fixed offset, where GetArrayDataReference(Array) reads the element size from the type
        var values = Unsafe.As<short[]>(Unsafe.Add(ref steps, TIndex.Value).Values!);
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(values), row) = Unsafe.ReadUnaligned<short>(ref Unsafe.Add(ref data, off));
        return TNext.Walk(ref data, dataLength, off + 2, row, ref steps);
    }
}

internal struct LegacyCopy4<TAlign, TIndex, TNext> : LegacyIWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, LegacyIWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        off = (off + (TAlign.Value - 1)) & ~(TAlign.Value - 1);
        if (off + 4 > dataLength) return false;
        // the column's 4-byte element array (short[], int[]/uint[]/float[] or long[]/double[]) as int[]: its data
        // starts at a fixed offset, where GetArrayDataReference(Array) reads the element size from the type
        var values = Unsafe.As<int[]>(Unsafe.Add(ref steps, TIndex.Value).Values!);
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(values), row) = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref data, off));
        return TNext.Walk(ref data, dataLength, off + 4, row, ref steps);
    }
}

internal struct LegacyCopy8<TAlign, TIndex, TNext> : LegacyIWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, LegacyIWalkStep
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        off = (off + (TAlign.Value - 1)) & ~(TAlign.Value - 1);
        if (off + 8 > dataLength) return false;
        // the column's 8-byte element array (short[], int[]/uint[]/float[] or long[]/double[]) as long[]: its data
        // starts at a fixed offset, where GetArrayDataReference(Array) reads the element size from the type
        var values = Unsafe.As<long[]>(Unsafe.Add(ref steps, TIndex.Value).Values!);
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(values), row) = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref data, off));
        return TNext.Walk(ref data, dataLength, off + 8, row, ref steps);
    }
}

internal struct LegacyNumericStep<TAlign, TIndex, TNext> : LegacyIWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, LegacyIWalkStep
{
    /// <summary>Bits 7, 11, 15, 19, 23: 1-byte varlena headers of 3, 5, 7, 9 and 11 bytes in all, a short numeric of 0-4 digits.</summary>
    private const uint ShortDigitSizes = 0x0088_8880;

    /// <summary>
    /// The common case inline (a 1-byte varlena header of a 0-4 digit short numeric, 11 readable
    /// bytes from the header, a value the column's scale table places exactly); anything else,
    /// including every failure, goes to one out-of-line call that decodes the value again from
    /// its start (<see cref="Other"/>). No value of the inline path is live on the slow path, so
    /// the JIT keeps them in registers instead of spilling them at their definitions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        int next;
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
                Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<Int128[]>(s.Values!)), row) = new Int128(0, q2);
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
                    Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<Int128[]>(s.Values!)), row) = new Int128(0, q3);
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
        next = Other(ref data, dataLength, off, TAlign.Value - 1, row, ref steps, TIndex.Value);
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

internal struct LegacyTextStep<TAlign, TIndex, TNext> : LegacyIWalkStep
    where TAlign : struct, IConst where TIndex : struct, IConst where TNext : struct, LegacyIWalkStep
{
    /// <summary>
    /// The common case inline (a 1-byte header, a payload of at most 32 bytes with 32 readable
    /// bytes at it and 32 free bytes in the data buffer: one or two 16-byte moves, as
    /// FastVarlena.AppendText); anything else goes to one out-of-line call from the value's start.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Walk(ref byte data, int dataLength, int off, int row, ref FastStep steps)
    {
        int next;
        ref FastStep s = ref Unsafe.Add(ref steps, TIndex.Value);
        // off <= dataLength and SlackBytes readable past the tuple data: 32 bytes after the header byte lie inside the page
        int b0 = Unsafe.Add(ref data, off);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(Unsafe.As<int[]>(s.Values!));
        var buffer = s.Bytes!;
        int at = Unsafe.Add(ref offsets, row);
        if ((uint)b0 == s.Guess)
        {
            // the guessed header (ShapeGuess.LearnText: odd, not 0x01, a payload of at most 32 bytes): the size
            // comes from the guess, so the next attribute's offset does not wait for this byte
            next = off + s.GuessSize;
        }
        else
        {
            s.Misses++;
            s.Candidate = (uint)b0;
            next = off + (b0 >> 1);
            // odd and not 0x01 (external), payload (b0 >> 1) - 1 <= 32
            if ((b0 & 1) == 0 || b0 == 1 || b0 > (33 << 1) + 1) goto Slow;
        }
        if (next > dataLength || (ulong)(uint)at + 32 > (ulong)(uint)buffer.Length) goto Slow;
        ref byte src = ref Unsafe.Add(ref data, off + 1);
        ref byte dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), at);
        Unsafe.WriteUnaligned(ref dst, Unsafe.ReadUnaligned<Vector128<byte>>(ref src));
        int len = next - off - 1;
        if (len > 16) Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, 16), Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref src, 16)));
        Unsafe.Add(ref offsets, row + 1) = at + len;
        goto Next;
    Slow:
        next = Other(ref data, dataLength, off, TAlign.Value - 1, row, ref steps, TIndex.Value);
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

