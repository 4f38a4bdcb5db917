using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Columns;

/// <summary>
/// Copies rows between columns a whole range at a time: row k of the copy is source row
/// selection[offset + k], or offset + k without a selection. Typed loops for primitive, boolean,
/// text and numeric columns (numeric beyond 38 digits row by row through ColumnOps.Append).
/// </summary>
public static class ColumnGather
{
    /// <summary>Refills <paramref name="dst"/> with the rows <paramref name="selection"/>[0..count) of <paramref name="src"/>.</summary>
    public static void Gather(Column src, int[] selection, int count, Column dst, ColumnOps ops)
    {
        ArgumentNullException.ThrowIfNull(selection);
        Gather(src, selection, 0, count, dst, ops);
    }

    /// <summary>Refills <paramref name="dst"/> with <paramref name="count"/> rows of <paramref name="src"/> from <paramref name="offset"/> (of the selection when there is one).</summary>
    public static void Gather(Column src, int[]? selection, int offset, int count, Column dst, ColumnOps ops)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        dst.Reset();
        if (src.Validity is null) dst.Validity = null;
        Append(src, selection, offset, count, dst, ops);
    }

    /// <summary>Appends <paramref name="count"/> rows of <paramref name="src"/> at the end of <paramref name="dst"/>, NULLs included.</summary>
    public static void Append(Column src, int[]? selection, int offset, int count, Column dst, ColumnOps ops)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        ArgumentNullException.ThrowIfNull(ops);
        int at = dst.Length, end = at + count;
        bool done = (src, dst) switch
        {
            (PrimitiveColumn<int> s, PrimitiveColumn<int> d) => Values(s.Values, d, selection, offset, count),
            (PrimitiveColumn<long> s, PrimitiveColumn<long> d) => Values(s.Values, d, selection, offset, count),
            (PrimitiveColumn<double> s, PrimitiveColumn<double> d) => Values(s.Values, d, selection, offset, count),
            (PrimitiveColumn<short> s, PrimitiveColumn<short> d) => Values(s.Values, d, selection, offset, count),
            (PrimitiveColumn<float> s, PrimitiveColumn<float> d) => Values(s.Values, d, selection, offset, count),
            (PrimitiveColumn<uint> s, PrimitiveColumn<uint> d) => Values(s.Values, d, selection, offset, count),
            (PrimitiveColumn<UInt128> s, PrimitiveColumn<UInt128> d) => Values(s.Values, d, selection, offset, count),
            (PrimitiveColumn<Types.PgInterval> s, PrimitiveColumn<Types.PgInterval> d) => Values(s.Values, d, selection, offset, count),
            (DecimalColumn s, DecimalColumn d) => Decimals(s, d, selection, offset, count),
            (VarBinaryColumn s, VarBinaryColumn d) => Bytes(s, d, selection, offset, count),
            (BooleanColumn s, BooleanColumn d) => Bools(s, d, selection, offset, count),
            _ => false,
        };
        if (!done)
        {
            for (int k = 0; k < count; k++) ops.Append(src, selection is null ? offset + k : selection[offset + k], dst);
            return;
        }
        if (src.Validity is { } from)
        {
            var v = dst.EnsureValidity(end);
            if (selection is null && ((at | offset) & 63) == 0)
            {
                Array.Copy(from.Words, offset >> 6, v.Words, at >> 6, (count + 63) >> 6);
                if ((end & 63) != 0) v.Words[end >> 6] &= (1UL << (end & 63)) - 1;
            }
            else
            {
                for (int k = 0; k < count; k++) v.Set(at + k, from.IsValid(selection is null ? offset + k : selection[offset + k]));
            }
        }
        else if (dst.Validity is { } valid)
        {
            valid.EnsureCapacity(end);
            SetValid(valid.Words, at, end);
        }
        dst.Length = end;
    }

    /// <summary>Sets bits [from, to) of a bitmap.</summary>
    private static void SetValid(ulong[] words, int from, int to)
    {
        for (int k = from; k < to && (k & 63) != 0; k++) words[k >> 6] |= 1UL << k;
        int w = (from + 63) >> 6;
        for (; (w + 1) << 6 <= to; w++) words[w] = ulong.MaxValue;
        for (int k = Math.Max(w << 6, from); k < to; k++) words[k >> 6] |= 1UL << k;
    }

    private static bool Values<T>(T[] src, PrimitiveColumn<T> dst, int[]? selection, int offset, int count) where T : unmanaged
    {
        int at = dst.Length;
        dst.EnsureCapacity(at + count);
        var d = dst.Values;
        if (selection is null)
        {
            Array.Copy(src, offset, d, at, count);
            return true;
        }
        for (int k = 0; k < count; k++) d[at + k] = src[selection[offset + k]];
        return true;
    }

    private static bool Decimals(DecimalColumn src, DecimalColumn dst, int[]? selection, int offset, int count)
    {
        if (src.Big is { Count: > 0 }) return false;
        if (dst.Scales is null && (src.Scales is not null || src.FixedScale != dst.FixedScale)) return false;
        int at = dst.Length;
        dst.EnsureCapacity(at + count);
        Values(src.Values, new Span<Int128>(dst.Values), selection, offset, count, at);
        if (dst.Scales is { } scales)
        {
            if (src.Scales is { } from) Values(from, new Span<short>(scales), selection, offset, count, at);
            else Array.Fill(scales, (short)src.FixedScale, at, count);
        }
        if (src.Kinds is { } kinds) Values(kinds, new Span<byte>(dst.EnsureKinds()), selection, offset, count, at);
        else if (dst.Kinds is { } stale) Array.Clear(stale, at, count);
        return true;
    }

    private static void Values<T>(T[] src, Span<T> dst, int[]? selection, int offset, int count, int at)
    {
        if (selection is null)
        {
            src.AsSpan(offset, count).CopyTo(dst[at..]);
            return;
        }
        for (int k = 0; k < count; k++) dst[at + k] = src[selection[offset + k]];
    }

    private static bool Bools(BooleanColumn src, BooleanColumn dst, int[]? selection, int offset, int count)
    {
        int at = dst.Length;
        dst.EnsureCapacity(at + count);
        for (int k = 0; k < count; k++) dst.Set(at + k, src.Get(selection is null ? offset + k : selection[offset + k]));
        return true;
    }

    private static bool Bytes(VarBinaryColumn src, VarBinaryColumn dst, int[]? selection, int offset, int count)
    {
        int at = dst.Length;
        dst.EnsureCapacity(at + count);
        var so = src.Offsets;
        int start = dst.Offsets[at];
        if (selection is null)
        {
            int from = so[offset], bytes = so[offset + count] - from;
            dst.EnsureDataCapacity(start + bytes);
            Array.Copy(src.Data, from, dst.Data, start, bytes);
            var o = dst.Offsets;
            for (int k = 1; k <= count; k++) o[at + k] = so[offset + k] - from + start;
            return true;
        }
        int total = 0;
        for (int k = 0; k < count; k++)
        {
            int r = selection[offset + k];
            total += so[r + 1] - so[r];
        }
        // SmallCopy bytes of room past the end: a short value is copied as whole vectors
        dst.EnsureDataCapacity(start + total + SmallCopy);
        var data = dst.Data;
        var offsets = dst.Offsets;
        var sd = src.Data;
        int pos = start;
        for (int k = 0; k < count; k++)
        {
            int r = selection[offset + k];
            int from = so[r];
            int len = so[r + 1] - from;
            if (len <= SmallCopy && from + SmallCopy <= sd.Length)
            {
                CopySmall(sd, from, data, pos);
            }
            else
            {
                Array.Copy(sd, from, data, pos, len);
            }
            pos += len;
            offsets[at + k + 1] = pos;
        }
        return true;
    }

    /// <summary>Values up to this many bytes (TPC-H's names and flags) are copied by <see cref="CopySmall"/>.</summary>
    private const int SmallCopy = 32;

    /// <summary>
    /// Copies <see cref="SmallCopy"/> bytes as two vectors, where a call to memmove per value cost
    /// more than the copy (TPC-H Q9 gathers n_name through three joins): the bytes past the value
    /// are scratch, overwritten by the next value or past the column's data length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySmall(byte[] src, int from, byte[] dst, int to)
    {
        ref byte s = ref MemoryMarshal.GetArrayDataReference(src);
        ref byte d = ref MemoryMarshal.GetArrayDataReference(dst);
        Vector128.LoadUnsafe(ref s, (nuint)from).StoreUnsafe(ref d, (nuint)to);
        Vector128.LoadUnsafe(ref s, (nuint)(from + 16)).StoreUnsafe(ref d, (nuint)(to + 16));
    }
}
