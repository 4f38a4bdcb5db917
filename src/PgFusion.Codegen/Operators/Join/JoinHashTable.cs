using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// The build side of a hash join: every build row buffered in columns, plus chains of row ids per
/// hash bucket over the rows whose keys are all non-null (a NULL key equals nothing, so such rows
/// are never found, but they are kept for outer joins and counted for NOT IN). Equality and hashing
/// are the key type's (<see cref="ColumnOps"/>: bpchar ignores trailing blanks, float has NaN = NaN
/// and -0 = 0, numeric 1.0 = 1.00), the semantics of its hash opclass.
/// </summary>
public sealed class JoinHashTable
{
    private readonly ColumnOps[] rowOps;
    private readonly ColumnOps[] keyOps;
    private int[] heads = [];
    private int[] next = [];
    private int[] hashes = [];
    private int mask;

    public JoinHashTable(IReadOnlyList<PgType> rowTypes, IReadOnlyList<PgType> keyTypes)
    {
        rowOps = rowTypes.Select(ColumnOps.For).ToArray();
        keyOps = keyTypes.Select(ColumnOps.For).ToArray();
        Rows = rowTypes.Select(t => Buffer(t)).ToArray();
        Keys = keyTypes.Select(t => Buffer(t)).ToArray();
    }

    private static Column Buffer(PgType type)
    {
        var c = PgArrowMapping.CreateColumn(type, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    }

    /// <summary>The buffered build rows, one column per build output column.</summary>
    public Column[] Rows { get; }

    public Column[] Keys { get; }

    public ColumnOps[] RowOps => rowOps;

    public int Count { get; private set; }

    /// <summary>Whether some build row has a NULL key (NOT IN is then never true).</summary>
    public bool HasNullKey { get; private set; }

    public bool HasKeys => keyOps.Length > 0;

    /// <summary>Appends the live rows of <paramref name="batch"/>; <paramref name="keys"/> holds their keys compacted from row 0.</summary>
    public void Append(RecordBatch batch, Column[]? keys)
    {
        int live = batch.LiveRows;
        for (int k = 0; k < live; k++)
        {
            int i = batch.Selection is { } s ? s[k] : k;
            for (int j = 0; j < rowOps.Length; j++) rowOps[j].Append(batch.Columns[j], i, Rows[j]);
            for (int j = 0; j < keyOps.Length; j++) keyOps[j].Append(keys![j], k, Keys[j]);
        }
        Count += live;
    }

    /// <summary>Links the rows with non-null keys into bucket chains; call once, after the last Append.</summary>
    public void Seal()
    {
        if (!HasKeys) return;
        int size = 16;
        while (size < Count * 2) size <<= 1;
        heads = new int[size];
        mask = size - 1;
        next = new int[Count];
        hashes = new int[Count];
        for (int r = Count - 1; r >= 0; r--)
        {
            if (AnyNull(Keys, r))
            {
                HasNullKey = true;
                continue;
            }
            int h = Hash(Keys, r);
            hashes[r] = h;
            int b = Bucket(h);
            next[r] = heads[b] - 1;
            heads[b] = r + 1;
        }
    }

    public static bool AnyNull(Column[] keys, int row)
    {
        foreach (var k in keys)
            if (k.IsNull(row)) return true;
        return false;
    }

    public int Hash(Column[] keys, int row)
    {
        int h = 17;
        for (int j = 0; j < keyOps.Length; j++) h = (h * 31) + keyOps[j].Hash(keys[j], row);
        return h;
    }

    private int Bucket(int h) => (int)(((uint)h * 0x9E3779B1u) >> 5) & mask;

    /// <summary>First build row that may match a probe row of hash <paramref name="hash"/>, or -1.</summary>
    public int First(int hash) => heads[Bucket(hash)] - 1;

    /// <summary>The chain's next row after <paramref name="row"/>, or -1.</summary>
    public int Next(int row) => next[row];

    /// <summary>Whether build row <paramref name="row"/> has hash <paramref name="hash"/> and keys equal to probe row <paramref name="probeRow"/> of <paramref name="probeKeys"/>.</summary>
    public bool Matches(int row, int hash, Column[] probeKeys, int probeRow)
    {
        if (hashes[row] != hash) return false;
        for (int j = 0; j < keyOps.Length; j++)
            if (!keyOps[j].Equal(probeKeys[j], probeRow, Keys[j], row)) return false;
        return true;
    }
}
