using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PgFusion.Arrow;
using PgFusion.HeapDecoder.Numeric;

namespace PgFusion.Benchmarks;

/// <summary>
/// A prototype, for measurement only (not exact on every page: it counts the tuples it would
/// hand to the general walk instead): Q1's 7 lineitem columns decoded in two passes per page.
/// Pass 1 finds every visible tuple's attribute offsets (the chain of varlena header loads,
/// ~20 instructions a tuple, so the out-of-order core overlaps many tuples' chains); pass 2
/// decodes the values from those offsets without a data-dependent branch (no shape guess, so
/// no mispredict on l_extendedprice's or l_discount's other shapes), checks folded into one
/// flag per page. Does removing the guesses' mispredicts without putting the header loads on
/// the fused walk's critical path pay?
/// </summary>
internal sealed unsafe class TwoPhaseQ1
{
    private const uint ShortDigitSizes = 0x0088_8880;
    private readonly ushort[] offsets = new ushort[8 * 292];
    private readonly ScaleEntry[] table = NumericScaled.TableFor(2);

    /// <summary>Tuples the prototype could not take (the real decoder would re-walk them).</summary>
    public long Refused;

    public int Decode(byte* page, byte[] visibility, RecordBatch into, byte* next = null)
    {
        int nextLine = next == null ? 0 : 8192;
        if (next != null)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(next);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + 64);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + 128);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + 192);
        }
        int lower = *(ushort*)(page + 12);
        int items = (lower - 24) / 4;
        int n = 0;
        ref ushort pos = ref MemoryMarshal.GetArrayDataReference(offsets);
        ulong bad = 0;
        for (int i = 0; i < items; i++)
        {
            if (nextLine > 256)
            {
                nextLine -= 192;
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + nextLine);
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + nextLine + 64);
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + nextLine + 128);
            }
            if ((visibility[i >> 3] & (1 << (i & 7))) == 0) continue;
            uint lp = *(uint*)(page + 24 + (4 * i));
            if (((lp >> 15) & 3) != 1) continue;
            int off = (int)(lp & 0x7FFF);
            int d = off + 24;
            int p5 = d + 16;
            int b5 = page[p5];
            int p6 = p5 + (b5 >> 1);
            int b6 = page[p6];
            int p7 = p6 + (b6 >> 1);
            int b7 = page[p7];
            int p8 = p7 + (b7 >> 1);
            int b8 = page[p8];
            int p9 = p8 + (b8 >> 1);
            int b9 = page[p9];
            int p10 = p9 + (b9 >> 1);
            int b10 = page[p10];
            int p11 = (((p10 + (b10 >> 1) - d) + 3) & ~3) + d;
            bad |= (uint)(~(b5 & b6 & b7 & b8 & b9 & b10) & 1);
            ref ushort t = ref Unsafe.Add(ref pos, 8 * n);
            t = (ushort)p5;
            Unsafe.Add(ref t, 1) = (ushort)p6;
            Unsafe.Add(ref t, 2) = (ushort)p7;
            Unsafe.Add(ref t, 3) = (ushort)p8;
            Unsafe.Add(ref t, 4) = (ushort)p9;
            Unsafe.Add(ref t, 5) = (ushort)p10;
            Unsafe.Add(ref t, 6) = (ushort)p11;
            n++;
        }
        int row0 = into.Length;
        var cols = into.Columns;
        ref Int128 v5 = ref MemoryMarshal.GetArrayDataReference(((DecimalColumn)cols[0]).Values);
        ref Int128 v6 = ref MemoryMarshal.GetArrayDataReference(((DecimalColumn)cols[1]).Values);
        ref Int128 v7 = ref MemoryMarshal.GetArrayDataReference(((DecimalColumn)cols[2]).Values);
        ref Int128 v8 = ref MemoryMarshal.GetArrayDataReference(((DecimalColumn)cols[3]).Values);
        var c9 = (VarBinaryColumn)cols[4];
        var c10 = (VarBinaryColumn)cols[5];
        // a value of up to 15 bytes takes one 16-byte move (longer ones are refused)
        c9.EnsureDataCapacity(c9.Offsets[row0] + (16 * n) + 16);
        c10.EnsureDataCapacity(c10.Offsets[row0] + (16 * n) + 16);
        ref int o9 = ref MemoryMarshal.GetArrayDataReference(c9.Offsets);
        ref int o10 = ref MemoryMarshal.GetArrayDataReference(c10.Offsets);
        ref byte d9 = ref MemoryMarshal.GetArrayDataReference(c9.Data);
        ref byte d10 = ref MemoryMarshal.GetArrayDataReference(c10.Data);
        ref int v11 = ref MemoryMarshal.GetArrayDataReference(((PrimitiveColumn<int>)cols[6]).Values);
        ref ScaleEntry tab = ref MemoryMarshal.GetArrayDataReference(table);
        for (int k = 0; k < n; k++)
        {
            ref ushort t = ref Unsafe.Add(ref pos, 8 * k);
            int row = row0 + k;
            Unsafe.Add(ref v5, row) = Numeric(page + t, ref tab, ref bad);
            Unsafe.Add(ref v6, row) = Numeric(page + Unsafe.Add(ref t, 1), ref tab, ref bad);
            Unsafe.Add(ref v7, row) = Numeric(page + Unsafe.Add(ref t, 2), ref tab, ref bad);
            Unsafe.Add(ref v8, row) = Numeric(page + Unsafe.Add(ref t, 3), ref tab, ref bad);
            bad |= Text(page + Unsafe.Add(ref t, 4), ref o9, ref d9, row);
            bad |= Text(page + Unsafe.Add(ref t, 5), ref o10, ref d10, row);
            Unsafe.Add(ref v11, row) = *(int*)(page + Unsafe.Add(ref t, 6));
        }
        if (bad != 0) Refused += n;
        into.Length = row0 + n;
        for (int c = 0; c < cols.Count; c++) cols[c].Length = row0 + n;
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Numeric(byte* p, ref ScaleEntry tab, ref ulong bad)
    {
        uint w = *(uint*)p;
        int b0 = (int)(w & 0xFF);
        int header = (int)((w >> 8) & 0xFFFF);
        ulong lanes = NumericScaled.MaskBits(*(ulong*)(p + 3), (b0 - 7) << 2);
        ref ScaleEntry e = ref Unsafe.Add(ref tab, header & NumericScaled.WeightBits);
        ulong acc = (ulong)NumericScaled.Combine(lanes);
        ulong q = BitOperations.RotateRight(acc * e.Multiplier, e.Rotate);
        bad |= (((ShortDigitSizes >> b0) & 1) ^ 1) | (uint)(b0 >> 5) | (uint)((header & 0xC000) ^ 0x8000)
            | NumericScaled.BadDigitBits(lanes) | (acc >= e.Limit ? 1UL : 0) | (q > e.MaxResult ? 1UL : 0);
        long negative = -(long)((header >> 13) & 1);
        return ((long)q ^ negative) - negative;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Text(byte* p, ref int offsets, ref byte data, int row)
    {
        int len = (p[0] >> 1) - 1;
        int at = Unsafe.Add(ref offsets, row);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref data, at), *(System.Runtime.Intrinsics.Vector128<byte>*)(p + 1));
        Unsafe.Add(ref offsets, row + 1) = at + len;
        return (ulong)(uint)(len >> 4);
    }
}
