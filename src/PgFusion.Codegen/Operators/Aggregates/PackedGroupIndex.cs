using System.Runtime.CompilerServices;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// A front index for <see cref="GroupTable"/> when the group keys are narrow (int2, int4, int8,
/// date, time, timestamp, oid, bool, text of up to 3 bytes: Q1's char(1) flags): each row's keys
/// packed into one UInt128 (a presence bit and the raw value per key, NULL = all zero), looked up
/// in one open addressing table whose entries hold the packed key next to its group id (one cache
/// line a probe). Equal packed keys have byte-identical key values, so they always belong to the
/// same group.
/// <para>
/// With integer-like keys only (<see cref="Exact"/>) the converse holds too (two such values are
/// equal exactly when their bits are), so the index is the table's only index: a miss is a new
/// group. With a text key it is a cache in front of the GroupTable's hashed index (bpchar 'a' and
/// 'a ' pack differently yet group together), which a miss asks; rows whose text is too long to
/// pack go to the GroupTable directly.
/// </para>
/// <para>
/// A row whose packed key equals the row before it (across batches too) takes that row's group
/// without a probe: input stored in key order (lineitem by l_orderkey, TPC-H Q18's 6M rows in 1.5M
/// groups) probes once per run of equal keys.
/// </para>
/// </summary>
internal sealed class PackedGroupIndex
{
    private const int TextWidth = 27; // presence bit, 2-bit length, 3 bytes

    /// <summary>A slot: a packed key and its group id + 1 (0 = empty), side by side so a probe touches one cache line.</summary>
    private struct Entry
    {
        public UInt128 Key;
        public int Group;
    }

    private readonly int[] widths;
    private UInt128[] packed = new UInt128[ExecutionContext.BatchRows];
    private bool[] unpacked = new bool[ExecutionContext.BatchRows];
    private Entry[] entries = new Entry[64];
    private int count;
    private UInt128 lastKey;
    private int lastGroup = -1; // the group of the last packed row looked up, -1 before the first

    private PackedGroupIndex(int[] widths, bool exact)
    {
        this.widths = widths;
        Exact = exact;
    }

    /// <summary>Whether packed keys are equal exactly when the keys are (no text key): the index then decides groups alone.</summary>
    public bool Exact { get; }

    /// <summary>The index for these key types, or null when they do not fit in 128 bits.</summary>
    public static PackedGroupIndex? For(IReadOnlyList<PgType> keyTypes)
    {
        var widths = new int[keyTypes.Count];
        int total = 0;
        bool exact = true;
        for (int j = 0; j < keyTypes.Count; j++)
        {
            var clr = KernelTypes.ClrType(keyTypes[j]);
            widths[j] = clr == typeof(int) || clr == typeof(uint) ? 33
                : clr == typeof(long) ? 65
                : clr == typeof(short) ? 17
                : clr == typeof(bool) ? 2
                : clr == typeof(TextRef) && keyTypes[j].Oid != PgTypeOid.Name ? TextWidth
                : 0;
            if (widths[j] == 0) return null;
            if (widths[j] == TextWidth) exact = false;
            total += widths[j];
        }
        return total <= 128 && keyTypes.Count > 0 ? new PackedGroupIndex(widths, exact) : null;
    }

    public void Lookup(GroupTable table, Column[] keys, int rows, int[] groupIds)
    {
        if (!Exact && NoRowPacks(keys, rows))
        {
            for (int r = 0; r < rows; r++) groupIds[r] = table.FindOrAddHashed(keys, r);
            return;
        }
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
        var p = packed;
        PrefetchSlots(rows);
        UInt128 previous = lastKey;
        int previousGroup = lastGroup;
        for (int r = 0; r < rows; r++)
        {
            if (unpacked[r])
            {
                groupIds[r] = table.FindOrAdd(keys, r);
                continue;
            }
            if (previousGroup < 0 || p[r] != previous)
            {
                previous = p[r];
                previousGroup = Find(table, keys, r, previous, add: true);
            }
            groupIds[r] = previousGroup;
        }
        lastKey = previous;
        lastGroup = previousGroup;
    }

    /// <summary>
    /// Whether a text key is too long to pack in every row of the batch (TPC-H Q16's p_brand and
    /// p_type): then no row can use the cache, and packing the others would be wasted.
    /// </summary>
    private static bool NoRowPacks(Column[] keys, int rows)
    {
        foreach (var column in keys)
        {
            if (column is not VarBinaryColumn c) continue;
            var offsets = c.Offsets;
            var nulls = c.Validity?.Words;
            bool any = false;
            for (int r = 0; r < rows && !any; r++)
                any = KernelColumns.IsNull(nulls, r) || offsets[r + 1] - offsets[r] <= 3;
            if (!any) return true;
        }
        return false;
    }

    /// <summary>
    /// Asks the cache for the slot of each run of equal packed keys in the batch before any is
    /// probed: a table of a million groups is far larger than the cache, and its probes miss one
    /// by one otherwise (TPC-H Q18's 1.5M order keys; the misses overlap this way).
    /// </summary>
    private unsafe void PrefetchSlots(int rows)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || entries.Length < PrefetchFromSlots) return;
        var p = packed;
        int mask = entries.Length - 1;
        fixed (Entry* e = entries)
        {
            for (int r = 0; r < rows; r++)
            {
                if (r > 0 && p[r] == p[r - 1]) continue;
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(e + (Slot(p[r]) & mask));
            }
        }
    }

    /// <summary>Below this many slots (1 MB of entries) the table stays in the cache and is not prefetched.</summary>
    private const int PrefetchFromSlots = 1 << 15;

    /// <summary>Grows the table once for <paramref name="groups"/> groups in all (before a merge adds another table's groups).</summary>
    public void Reserve(int groups)
    {
        long length = entries.Length;
        while (groups * 2L > length) length *= 2;
        if (length > entries.Length) Rehash((int)length);
    }

    /// <summary>The group of row <paramref name="row"/>'s keys, adding one when it is new (<see cref="Exact"/> only).</summary>
    public int FindOrAdd(GroupTable table, Column[] keys, int row) => Find(table, keys, row, PackRow(keys, row), add: true);

    /// <summary>The group of row <paramref name="row"/>'s keys, or -1 when it has none (<see cref="Exact"/> only).</summary>
    public int Find(GroupTable table, Column[] keys, int row) => Find(table, keys, row, PackRow(keys, row), add: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(GroupTable table, Column[] keys, int row, UInt128 key, bool add)
    {
        var e = entries;
        int mask = e.Length - 1;
        int i = Slot(key) & mask;
        while (true)
        {
            int g = e[i].Group;
            if (g == 0) break;
            if (e[i].Key == key) return g - 1;
            i = (i + 1) & mask;
        }
        if (!add) return -1;
        int group = Exact ? table.AddGroup(keys, row) : table.FindOrAddHashed(keys, row);
        e[i].Key = key;
        e[i].Group = group + 1;
        if (++count * 2 > e.Length) Rehash(e.Length * 2);
        return group;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(UInt128 key) => (int)((((ulong)key ^ (ulong)(key >> 64)) * 0x9E3779B97F4A7C15UL) >> 40);

    private void Rehash(int length)
    {
        var old = entries;
        var grown = Rent(length);
        int mask = grown.Length - 1;
        foreach (var entry in old)
        {
            if (entry.Group == 0) continue;
            int i = Slot(entry.Key) & mask;
            while (grown[i].Group != 0) i = (i + 1) & mask;
            grown[i] = entry;
        }
        entries = grown;
        Return(old);
    }

    /// <summary>
    /// Gives the slot table back to the pool once the table's groups are all emitted; the index is
    /// not used afterwards (it is left with an empty table of its first size).
    /// </summary>
    public void Release()
    {
        var old = entries;
        entries = new Entry[64];
        count = 0;
        lastGroup = -1;
        Return(old);
    }

    // Slot tables from 4,096 slots (128 kB, past the large object threshold) to 131,072 (4 MB), one of
    // each size, kept between queries. A fresh large array is fresh memory: each of its 4 kB pages
    // faults on first touch, and in this VM a fault costs microseconds. TPC-H Q11's 32K groups grew
    // through 1 MB and 2 MB tables, ~1,000 faults a run and ~10 % of the worker's CPU in Rehash
    // (perf/perf21-2026-12-02.md). A pooled table is cleared instead (memset, no fault). At most
    // 8 MB stay held. PGFUSION_GROUP_INDEX_POOL=0 in the server's environment turns the pool off (A/B).
    private const int PoolMinLog2 = 12;
    private const int PoolMaxLog2 = 17;
    private static readonly bool PoolEnabled = Environment.GetEnvironmentVariable("PGFUSION_GROUP_INDEX_POOL") != "0";
    private static readonly Entry[]?[] Pool = new Entry[]?[PoolMaxLog2 + 1];

    /// <summary>The pool slot of a table of <paramref name="length"/> slots; -1 when such tables are not pooled.</summary>
    private static int PoolSlot(int length)
    {
        int log2 = System.Numerics.BitOperations.Log2((uint)length);
        return PoolEnabled && log2 >= PoolMinLog2 && log2 <= PoolMaxLog2 && length == 1 << log2 ? log2 : -1;
    }

    private static Entry[] Rent(int length)
    {
        int log2 = PoolSlot(length);
        if (log2 < 0) return new Entry[length];
        var pooled = Interlocked.Exchange(ref Pool[log2], null);
        if (pooled is null) return new Entry[length];
        Array.Clear(pooled);
        return pooled;
    }

    private static void Return(Entry[] table)
    {
        int log2 = PoolSlot(table.Length);
        if (log2 >= 0) Volatile.Write(ref Pool[log2], table);
    }

    // The code of one key value; Pack and PackRow use the same ones, so a row packs alike either way.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Code32(uint value) => (UInt128)((1UL << 32) | value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Code64(ulong value) => (UInt128.One << 64) | value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Code16(ushort value) => (UInt128)((1UL << 16) | value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 CodeBool(bool value) => (UInt128)(2UL | (value ? 1UL : 0UL));

    /// <summary>One row's packed keys (an <see cref="Exact"/> index: no text key).</summary>
    private UInt128 PackRow(Column[] keys, int row)
    {
        UInt128 key = UInt128.Zero;
        for (int j = 0; j < keys.Length; j++)
        {
            var column = keys[j];
            UInt128 code = column.IsNull(row) ? UInt128.Zero : column switch
            {
                PrimitiveColumn<int> c => Code32((uint)c.Values[row]),
                PrimitiveColumn<uint> c => Code32(c.Values[row]),
                PrimitiveColumn<long> c => Code64((ulong)c.Values[row]),
                PrimitiveColumn<short> c => Code16((ushort)c.Values[row]),
                BooleanColumn c => CodeBool(c.Get(row)),
                _ => throw new InvalidOperationException($"a group key column of {column.GetType().Name} does not pack"),
            };
            key = (key << widths[j]) | code;
        }
        return key;
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
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : Code32((uint)v[r]));
                return true;
            }
            case PrimitiveColumn<uint> c:
            {
                var v = c.Values;
                for (int r = 0; r < rows; r++)
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : Code32(v[r]));
                return true;
            }
            case PrimitiveColumn<long> c:
            {
                var v = c.Values;
                for (int r = 0; r < rows; r++)
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : Code64((ulong)v[r]));
                return true;
            }
            case PrimitiveColumn<short> c:
            {
                var v = c.Values;
                for (int r = 0; r < rows; r++)
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : Code16((ushort)v[r]));
                return true;
            }
            case BooleanColumn c:
            {
                var bits = c.Bits.Words;
                for (int r = 0; r < rows; r++)
                    p[r] = (p[r] << width) | (KernelColumns.IsNull(nulls, r) ? UInt128.Zero : CodeBool(KernelColumns.GetBit(bits, r)));
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
