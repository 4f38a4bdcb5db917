using System.Runtime.CompilerServices;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// A front index for <see cref="GroupTable"/> when the group keys are narrow (int2, int4, date,
/// oid, bool, text of up to 3 bytes: Q1's char(1) flags): each row's keys packed into one UInt128
/// (a presence bit and the raw value per key, NULL = all zero), looked up in a small open
/// addressing table. A miss asks the GroupTable, whose answer is remembered. Equal packed keys
/// have byte-identical key values, so they always belong to the same group; rows whose text
/// is too long to pack go to the GroupTable directly.
/// </summary>
internal sealed class PackedGroupIndex
{
    private const int TextWidth = 27; // presence bit, 2-bit length, 3 bytes
    private readonly int[] widths;
    private UInt128[] packed = new UInt128[ExecutionContext.BatchRows];
    private bool[] unpacked = new bool[ExecutionContext.BatchRows];
    private UInt128[] tableKeys = new UInt128[64];
    private int[] tableGroups = new int[64]; // group id + 1; 0 = empty
    private int count;

    private PackedGroupIndex(int[] widths) => this.widths = widths;

    /// <summary>The index for these key types, or null when they do not fit in 128 bits.</summary>
    public static PackedGroupIndex? For(IReadOnlyList<PgType> keyTypes)
    {
        var widths = new int[keyTypes.Count];
        int total = 0;
        for (int j = 0; j < keyTypes.Count; j++)
        {
            var clr = KernelTypes.ClrType(keyTypes[j]);
            widths[j] = clr == typeof(int) || clr == typeof(uint) ? 33
                : clr == typeof(short) ? 17
                : clr == typeof(bool) ? 2
                : clr == typeof(TextRef) && keyTypes[j].Oid != PgTypeOid.Name ? TextWidth
                : 0;
            if (widths[j] == 0) return null;
            total += widths[j];
        }
        return total <= 128 && keyTypes.Count > 0 ? new PackedGroupIndex(widths) : null;
    }

    public void Lookup(GroupTable table, Column[] keys, int rows, int[] groupIds)
    {
        if (packed.Length < rows)
        {
            packed = new UInt128[rows];
            unpacked = new bool[rows];
        }
        Array.Clear(packed, 0, rows);
        Array.Clear(unpacked, 0, rows);
        for (int j = 0; j < keys.Length; j++)
        {
            if (!Pack(keys[j], widths[j], rows))
            {
                for (int r = 0; r < rows; r++) groupIds[r] = table.FindOrAdd(keys, r);
                return;
            }
        }
        for (int r = 0; r < rows; r++)
            groupIds[r] = unpacked[r] ? table.FindOrAdd(keys, r) : Find(table, keys, r, packed[r]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(GroupTable table, Column[] keys, int row, UInt128 key)
    {
        int mask = tableKeys.Length - 1;
        int i = Slot(key) & mask;
        while (true)
        {
            int g = tableGroups[i];
            if (g == 0) break;
            if (tableKeys[i] == key) return g - 1;
            i = (i + 1) & mask;
        }
        int group = table.FindOrAdd(keys, row);
        tableKeys[i] = key;
        tableGroups[i] = group + 1;
        if (++count * 2 > tableKeys.Length) Grow();
        return group;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(UInt128 key) => (int)((((ulong)key ^ (ulong)(key >> 64)) * 0x9E3779B97F4A7C15UL) >> 40);

    private void Grow()
    {
        var oldKeys = tableKeys;
        var oldGroups = tableGroups;
        tableKeys = new UInt128[oldKeys.Length * 2];
        tableGroups = new int[oldKeys.Length * 2];
        int mask = tableKeys.Length - 1;
        for (int s = 0; s < oldKeys.Length; s++)
        {
            if (oldGroups[s] == 0) continue;
            int i = Slot(oldKeys[s]) & mask;
            while (tableGroups[i] != 0) i = (i + 1) & mask;
            tableKeys[i] = oldKeys[s];
            tableGroups[i] = oldGroups[s];
        }
    }

    /// <summary>Shifts this key's code into each row's packed key; false for a column class it cannot read.</summary>
    private bool Pack(Column column, int width, int rows)
    {
        var p = packed;
        var nulls = column.Validity?.Words;
        switch (column)
        {
            case PrimitiveColumn<int> c:
            {
                var v = c.Values;
                for (int r = 0; r < rows; r++)
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : (UInt128)((1UL << 32) | (uint)v[r]));
                return true;
            }
            case PrimitiveColumn<uint> c:
            {
                var v = c.Values;
                for (int r = 0; r < rows; r++)
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : (UInt128)((1UL << 32) | v[r]));
                return true;
            }
            case PrimitiveColumn<short> c:
            {
                var v = c.Values;
                for (int r = 0; r < rows; r++)
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : (UInt128)((1UL << 16) | (ushort)v[r]));
                return true;
            }
            case BooleanColumn c:
            {
                var bits = c.Bits.Words;
                for (int r = 0; r < rows; r++)
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : (UInt128)( 2UL | (KernelColumns.GetBit(bits, r) ? 1UL : 0UL)));
                return true;
            }
            case VarBinaryColumn c when width == TextWidth:
            {
                var offsets = c.Offsets;
                var data = c.Data;
                var bad = unpacked;
                for (int r = 0; r < rows; r++)
                {
                    ulong code = 0;
                    if (!KernelColumns.IsNull(nulls, r))
                    {
                        int start = offsets[r], len = offsets[r + 1] - start;
                        if (len > 3)
                        {
                            bad[r] = true;
                        }
                        else
                        {
                            code = (1UL << 26) | ((ulong)len << 24);
                            for (int b = 0; b < len; b++) code |= (ulong)data[start + b] << (8 * b);
                        }
                    }
                    p[r] = (p[r] << width) | code;
                }
                return true;
            }
            default:
                return false;
        }
    }
}
