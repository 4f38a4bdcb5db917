using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PgFusion.HeapDecoder.Numeric;

namespace PgFusion.HeapDecoder.Tuple;

/// <summary>
/// The pieces of the fast walks (the step list and the specialised TupleWalker) that read
/// varlenas and numerics. None throws: -1 or false sends the tuple to the general walk.
/// </summary>
internal static class FastVarlena
{
    private static readonly long[] Pow10Long = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000];

    public const long NotDecoded = long.MinValue;

    private static readonly long[] MaxBeforeScale = [.. Pow10Long.Select(p => long.MaxValue / p)];

    /// <summary>
    /// An uncompressed inline varlena at off (1-byte header, or 4-byte after its alignment):
    /// returns its payload length and sets start to the payload; off moves past it. -1 for
    /// anything else (compressed, external, out of bounds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Plain(ref byte data, int dataLength, ref int off, int alignMask, out int start)
    {
        int o = off;
        start = 0;
        if ((uint)o >= (uint)dataLength) return -1;
        int b0 = Unsafe.Add(ref data, o);
        if ((b0 & 1) != 0)
        {
            // 1-byte header: total size (header included) in the upper 7 bits; 0x01 is an external pointer.
            int size = b0 >> 1;
            if (b0 == 1 || o + size > dataLength) return -1;
            start = o + 1;
            off = o + size;
            return size - 1;
        }
        long r = PlainLong(ref data, dataLength, o, alignMask);
        if (r < 0) return -1;
        start = (int)r;
        off = (int)(r >> 32);
        return off - start;
    }

    /// <summary>
    /// An uncompressed 4-byte-header varlena at off after pad bytes to its alignment (a zero
    /// byte is padding: att_align_pointer): payload start in the low 32 bits, the offset after
    /// it in the high 32; -1 when it is not one (inline compressed: the general walk decompresses).
    /// By value and packed so the walks keep their offset in a register.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long PlainLong(ref byte data, int dataLength, int off, int alignMask)
    {
        int o = (off + alignMask) & ~alignMask;
        if (o + 4 > dataLength) return -1;
        uint header = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref data, o));
        if ((header & 3) != 0) return -1;
        int total = (int)(header >> 2);
        if (total < 4 || total > dataLength - o) return -1;
        return (uint)(o + 4) | ((long)(o + total) << 32);
    }

    /// <summary>Steps over a 4-byte-header varlena (compressed or not) at off after its alignment; the offset after it, or -1.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int SkipLong(ref byte data, int dataLength, int off, int alignMask)
    {
        int o = (off + alignMask) & ~alignMask;
        if (o + 4 > dataLength) return -1;
        uint header = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref data, o));
        // x1 would be a 1-byte header, which cannot follow a zero pad byte
        if ((header & 1) != 0) return -1;
        int total = (int)(header >> 2);
        if (total < 4 || total > dataLength - o) return -1;
        return o + total;
    }

    /// <summary>Appends a text payload to the step's Utf8/Binary buffers; false when the data buffer is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AppendText(ref FastStep s, ref byte src, int len, int row)
    {
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(Unsafe.As<int[]>(s.Values!));
        var buffer = s.Bytes!;
        int at = Unsafe.Add(ref offsets, row);
        int end = at + len;
        if ((uint)at > (uint)buffer.Length || (uint)end > (uint)buffer.Length) return false;
        ref byte dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), at);
        if (len <= 8)
        {
            // char(1) flags and short codes: a call to memmove costs more than the copy
            for (int b = 0; b < len; b++) Unsafe.Add(ref dst, b) = Unsafe.Add(ref src, b);
        }
        else
        {
            Unsafe.CopyBlockUnaligned(ref dst, ref src, (uint)len);
        }
        Unsafe.Add(ref offsets, row + 1) = end;
        return true;
    }

    /// <summary>
    /// A short-header finite numeric of at most 4 base-10000 digits whose value times 10^scale
    /// is an integer that fits a long. False for anything else (and for scale -1), which the
    /// general path decodes or reports: then <see cref="NotDecoded"/>, which no such value can be
    /// (|value| &lt;= long.MaxValue).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long TryNumeric(ref byte p, int len, int scale)
    {
        if ((uint)(len - 2) > 8 || (len & 1) != 0 || scale < 0) return NotDecoded;
        int header = Unsafe.ReadUnaligned<ushort>(ref p);
        if ((header & NumericFormat.SignMask) != NumericFormat.Short) return NotDecoded;
        int n = (len - 2) >> 1;
        // 7-bit two's complement weight
        int weight = ((header & 0x7F) ^ 0x40) - 0x40;
        int e = (NumericFormat.DigitsPerBaseDigit * (weight - n + 1)) + scale;
        long acc = 0;
        uint bad = 0;
        for (int i = 0; i < n; i++)
        {
            uint d = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, 2 + (2 * i)));
            bad |= d >= NumericFormat.Base ? 1u : 0u;
            acc = (acc * NumericFormat.Base) + d;
        }
        if (bad != 0) return NotDecoded;
        long v;
        if (e >= 0)
        {
            if (e > 18 || acc > MaxBeforeScale[e]) return NotDecoded;
            v = acc * Pow10Long[e];
        }
        else
        {
            // constant divisors become multiplications; a remainder means more digits than the scale
            switch (e)
            {
                case -1: v = acc / 10; if (v * 10 != acc) return NotDecoded; break;
                case -2: v = acc / 100; if (v * 100 != acc) return NotDecoded; break;
                case -3: v = acc / 1000; if (v * 1000 != acc) return NotDecoded; break;
                default: return NotDecoded;
            }
        }
        return (header & NumericFormat.ShortSign) != 0 ? -v : v;
    }
}
