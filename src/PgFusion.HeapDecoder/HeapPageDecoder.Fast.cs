using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PgFusion.HeapDecoder.Tuple;

namespace PgFusion.HeapDecoder;

/// <summary>
/// The tuple walk for the common shape: no null bitmap and every needed attribute present.
/// Fixed-width values stored as is are copied straight into their column arrays (no virtual
/// call, no span); 1-byte-header varlenas are skipped or handed over inline. Every bound is
/// checked as in the general walk, which handles all other shapes and reports errors.
/// </summary>
public sealed partial class HeapPageDecoder
{
    /// <summary>Per slot, the column array filled directly (DirectValues), refreshed per page.</summary>
    private Array?[] _direct = [];

    private void BindDirect()
    {
        if (_direct.Length != _decoders.Length) _direct = new Array?[_decoders.Length];
        for (int s = 0; s < _decoders.Length; s++) _direct[s] = _decoders[s].DirectValues;
    }

    /// <summary>Walks attributes i..stop-1 of a tuple without nulls from data offset off.</summary>
    private void WalkNoNulls(ReadOnlySpan<byte> data, int i, int stop, int off, int row, int item, IDetoastedValues? detoasted)
    {
        ref AttributePlan plans = ref MemoryMarshal.GetArrayDataReference(_plans);
        ref byte dataRef = ref MemoryMarshal.GetReference(data);
        var decoders = _decoders;
        var direct = _direct;
        int dataLength = data.Length;
        for (; i < stop; i++)
        {
            // i < stop <= natts <= _plans.Length (checked by DecodeTuple)
            ref readonly AttributePlan a = ref Unsafe.Add(ref plans, i);
            int len = a.Len;
            if (len > 0)
            {
                off = (off + a.AlignMask) & ~a.AlignMask;
                if ((uint)(off + len) > (uint)dataLength) throw PastEnd(item, i + 1, len, off, dataLength);
                int slot = a.Slot;
                if (slot >= 0)
                {
                    if (direct[slot] is { } values)
                    {
                        CopyFixed(ref Unsafe.Add(ref dataRef, off), values, row, len);
                        decoders[slot].MarkValid(row);
                    }
                    else
                    {
                        _attNum = i + 1;
                        decoders[slot].Decode(data.Slice(off, len), row);
                    }
                }
                off += len;
            }
            else if (len == -1)
            {
                if ((uint)off < (uint)dataLength)
                {
                    int b0 = Unsafe.Add(ref dataRef, off);
                    if ((b0 & 1) != 0 && b0 != 1)
                    {
                        // 1-byte header: total size (header included) in the upper 7 bits.
                        int size = b0 >> 1;
                        if (off + size > dataLength) throw VarlenaPastEnd(item, i + 1, size, off, dataLength);
                        if (a.Slot >= 0)
                        {
                            _attNum = i + 1;
                            decoders[a.Slot].Decode(data.Slice(off + 1, size - 1), row);
                        }
                        off += size;
                        continue;
                    }
                }
                off = DecodeVarlenaOutOfLine(data, off, in a, row, item, i + 1, detoasted);
            }
            else
            {
                off = SkipCString(data, off, item, i + 1);
            }
        }
    }

    // The rare cases and the error messages live out of line: the walk stays a small frame
    // (no string-interpolation state to zero on every call).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int DecodeVarlenaOutOfLine(ReadOnlySpan<byte> data, int off, in AttributePlan a, int row, int item, int attNum, IDetoastedValues? detoasted) =>
        DecodeVarlena(data, off, in a, row, item, attNum, detoasted);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int SkipCString(ReadOnlySpan<byte> data, int off, int item, int attNum)
    {
        if ((uint)off >= (uint)data.Length) throw Corrupt(item, attNum, "cstring starts past the tuple data");
        int nul = data[off..].IndexOf((byte)0);
        if (nul < 0) throw Corrupt(item, attNum, "cstring runs past the tuple data");
        return off + nul + 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private HeapDecodeException PastEnd(int item, int attNum, int size, int off, int dataLength) =>
        Corrupt(item, attNum, $"{size}-byte value at {off} runs past the {dataLength}-byte tuple data");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private HeapDecodeException VarlenaPastEnd(int item, int attNum, int size, int off, int dataLength) =>
        Corrupt(item, attNum, $"varlena of {size} bytes at {off} runs past the {dataLength}-byte tuple data");

    /// <summary>Copies a len-byte little-endian value into element <paramref name="row"/> of a primitive array of that element size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyFixed(ref byte src, Array values, int row, int len)
    {
        ref byte dst = ref MemoryMarshal.GetArrayDataReference(values);
        switch (len)
        {
            case 4: Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, row * 4), Unsafe.ReadUnaligned<int>(ref src)); break;
            case 8: Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, row * 8), Unsafe.ReadUnaligned<long>(ref src)); break;
            case 2: Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, row * 2), Unsafe.ReadUnaligned<short>(ref src)); break;
            default: Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref dst, row * len), ref src, (uint)len); break;
        }
    }
}
