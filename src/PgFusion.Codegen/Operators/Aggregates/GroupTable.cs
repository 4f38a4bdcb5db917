using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// Group ids by key: open addressing over the keys of each group, stored once in columns. NULL
/// keys group together (as GROUP BY does); equality and hashing follow <see cref="ColumnOps"/>.
/// Integer-like keys that pack into 128 bits are indexed by their packed bits alone
/// (<see cref="PackedGroupIndex.Exact"/>); other narrow keys have the packed index as a cache in
/// front of the hashed one.
/// </summary>
public sealed class GroupTable
{
    private const int NullHash = unchecked((int)0x9E3779B9);
    private readonly ColumnOps[] ops;
    private int[] slots = new int[1024]; // group id + 1; 0 = empty
    private int[] hashes = new int[256];

    private readonly PackedGroupIndex? packedIndex;

    public GroupTable(IReadOnlyList<PgType> keyTypes)
    {
        ops = keyTypes.Select(ColumnOps.For).ToArray();
        packedIndex = PackedGroupIndex.For(keyTypes);
        Keys = keyTypes.Select(t =>
        {
            var c = PgArrowMapping.CreateColumn(t, 256);
            c.EnsureValidity(256);
            return c;
        }).ToArray();
    }

    public Column[] Keys { get; }

    /// <summary>Lets go of the packed index's slot table (to its pool) once every group is emitted; the table is not used afterwards.</summary>
    public void Release() => packedIndex?.Release();

    public int Count { get; private set; }

    /// <summary>Group ids of rows 0..rows-1 of <paramref name="keys"/> into <paramref name="groupIds"/>, adding new groups.</summary>
    public void Lookup(Column[] keys, int rows, int[] groupIds)
    {
        if (packedIndex is not null)
        {
            packedIndex.Lookup(this, keys, rows, groupIds);
            return;
        }
        for (int r = 0; r < rows; r++) groupIds[r] = FindOrAdd(keys, r);
    }

    private int HashRow(Column[] keys, int row)
    {
        int h = 17;
        for (int j = 0; j < keys.Length; j++)
            h = h * 31 + (keys[j].IsNull(row) ? NullHash : ops[j].Hash(keys[j], row));
        return h;
    }

    private bool Same(Column[] keys, int row, int group)
    {
        for (int j = 0; j < keys.Length; j++)
        {
            bool an = keys[j].IsNull(row), bn = Keys[j].IsNull(group);
            if (an != bn) return false;
            if (!an && !ops[j].Equal(keys[j], row, Keys[j], group)) return false;
        }
        return true;
    }

    /// <summary>Makes room for <paramref name="groups"/> groups in all at once (a merge of partial aggregates knows how many may come).</summary>
    public void Reserve(int groups)
    {
        packedIndex?.Reserve(groups);
        foreach (var k in Keys) k.EnsureCapacity(groups);
    }

    /// <summary>The hash of a row's keys, NULLs included, as the table uses it (spilling partitions by it).</summary>
    public int Hash(Column[] keys, int row) => HashRow(keys, row);

    /// <summary>The group id of row <paramref name="row"/> of <paramref name="keys"/>, or -1 when it has no group yet.</summary>
    public int Find(Column[] keys, int row, int hash)
    {
        if (packedIndex is { Exact: true } exact) return exact.Find(this, keys, row);
        int mask = slots.Length - 1;
        int i = Mix(hash) & mask;
        while (true)
        {
            int s = slots[i];
            if (s == 0) return -1;
            int g = s - 1;
            if (hashes[g] == hash && Same(keys, row, g)) return g;
            i = (i + 1) & mask;
        }
    }

    /// <summary>The group id of row <paramref name="row"/> of <paramref name="keys"/>, adding a group (Count grows) if it is new.</summary>
    public int FindOrAdd(Column[] keys, int row) =>
        packedIndex is { Exact: true } exact ? exact.FindOrAdd(this, keys, row) : FindOrAddHashed(keys, row);

    /// <summary>
    /// A new group for row <paramref name="row"/>'s keys, which an exact packed index found in no
    /// group: its keys are stored, and it has no slot in the hashed index (the packed index is the only one).
    /// </summary>
    internal int AddGroup(Column[] keys, int row)
    {
        for (int j = 0; j < keys.Length; j++) ops[j].Append(keys[j], row, Keys[j]);
        return Count++;
    }

    /// <summary><see cref="FindOrAdd"/> through the hashed index (no packed index, or one that is only a cache).</summary>
    internal int FindOrAddHashed(Column[] keys, int row)
    {
        int h = HashRow(keys, row);
        int mask = slots.Length - 1;
        int i = Mix(h) & mask;
        while (true)
        {
            int s = slots[i];
            if (s == 0) break;
            int g = s - 1;
            if (hashes[g] == h && Same(keys, row, g)) return g;
            i = (i + 1) & mask;
        }
        int group = Count++;
        if (group >= hashes.Length) Array.Resize(ref hashes, hashes.Length * 2);
        hashes[group] = h;
        for (int j = 0; j < keys.Length; j++) ops[j].Append(keys[j], row, Keys[j]);
        slots[i] = group + 1;
        if (Count * 2 > slots.Length) Rehash();
        return group;
    }

    private static int Mix(int h) => (int)((uint)h * 0x9E3779B1u >> 7) ^ h;

    private void Rehash()
    {
        slots = new int[slots.Length * 2];
        int mask = slots.Length - 1;
        for (int g = 0; g < Count; g++)
        {
            int i = Mix(hashes[g]) & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = g + 1;
        }
    }
}
