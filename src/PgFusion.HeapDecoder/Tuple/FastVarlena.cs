using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PgFusion.HeapDecoder.Tuple;

/// <summary>
/// The pieces of the fast walks (the step list and the specialised TupleWalker) that read
/// varlenas and numerics. None throws: -1 or false sends the tuple to the general walk.
/// </summary>
internal static class FastVarlena
{
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
        int o = LongHeader(ref data, dataLength, off, alignMask);
        if (o < 0) return -1;
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
        int o = LongHeader(ref data, dataLength, off, alignMask);
        if (o < 0) return -1;
        uint header = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref data, o));
        // x1 would be a 1-byte header, which cannot follow a zero pad byte
        if ((header & 1) != 0) return -1;
        int total = (int)(header >> 2);
        if (total < 4 || total > dataLength - o) return -1;
        return o + total;
    }

    /// <summary>
    /// Where the 4-byte header of a varlena at off starts: off aligned, when the bytes skipped are
    /// padding. PostgreSQL's att_align_pointer aligns only when the byte at off is a pad byte
    /// (zero); a non-zero byte there starts the datum unaligned, which only a corrupt page has,
    /// so -1 hands it to the general walk (its typed error). Also -1 when no header fits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LongHeader(ref byte data, int dataLength, int off, int alignMask)
    {
        int o = (off + alignMask) & ~alignMask;
        if (o + 4 > dataLength || (o != off && Unsafe.Add(ref data, off) != 0)) return -1;
        return o;
    }

    /// <summary>
    /// Copies len bytes without a call to memmove for short values: two overlapping loads and
    /// stores of the widest size that fits (so nothing outside src..src+len is read and
    /// nothing outside dst..dst+len written). char(1) flags, codes and comments are short.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyShort(ref byte dst, ref byte src, int len)
    {
        if (len >= 16)
        {
            if (len <= 32)
            {
                var head = Unsafe.ReadUnaligned<System.Runtime.Intrinsics.Vector128<byte>>(ref src);
                var tail = Unsafe.ReadUnaligned<System.Runtime.Intrinsics.Vector128<byte>>(ref Unsafe.Add(ref src, len - 16));
                Unsafe.WriteUnaligned(ref dst, head);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, len - 16), tail);
            }
            else
            {
                Unsafe.CopyBlockUnaligned(ref dst, ref src, (uint)len);
            }
        }
        else if (len >= 8)
        {
            ulong head = Unsafe.ReadUnaligned<ulong>(ref src);
            ulong tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, len - 8));
            Unsafe.WriteUnaligned(ref dst, head);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, len - 8), tail);
        }
        else if (len >= 4)
        {
            uint head = Unsafe.ReadUnaligned<uint>(ref src);
            uint tail = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, len - 4));
            Unsafe.WriteUnaligned(ref dst, head);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, len - 4), tail);
        }
        else if (len > 0)
        {
            // 1..3 bytes: first, middle and last (they coincide for short lengths)
            byte first = src;
            byte middle = Unsafe.Add(ref src, len >> 1);
            byte last = Unsafe.Add(ref src, len - 1);
            dst = first;
            Unsafe.Add(ref dst, len >> 1) = middle;
            Unsafe.Add(ref dst, len - 1) = last;
        }
    }

    /// <summary>
    /// AppendText for the specialised walk: a payload of at most 32 bytes with 32 readable
    /// bytes at src and 32 free bytes in the data buffer moves as one or two 16-byte loads and stores
    /// (the bytes past the value land in the unused part of the buffer, which the next value
    /// overwrites and no reader looks at: readers stop at the offsets).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AppendText(ref FastStep s, ref byte src, int len, int row, int readable)
    {
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(Unsafe.As<int[]>(s.Values!));
        var buffer = s.Bytes!;
        int at = Unsafe.Add(ref offsets, row);
        if (len <= 32 && readable >= 32 && (ulong)(uint)at + 32 <= (ulong)buffer.Length)
        {
            ref byte dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), at);
            Unsafe.WriteUnaligned(ref dst, Unsafe.ReadUnaligned<System.Runtime.Intrinsics.Vector128<byte>>(ref src));
            if (len > 16) Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, 16), Unsafe.ReadUnaligned<System.Runtime.Intrinsics.Vector128<byte>>(ref Unsafe.Add(ref src, 16)));
            Unsafe.Add(ref offsets, row + 1) = at + len;
            return true;
        }
        return AppendText(ref s, ref src, len, row);
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
        CopyShort(ref dst, ref src, len);
        Unsafe.Add(ref offsets, row + 1) = end;
        return true;
    }
}
