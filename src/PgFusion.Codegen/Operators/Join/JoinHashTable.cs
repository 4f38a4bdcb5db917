using System.Runtime.CompilerServices;
using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// The build side of a hash join: every build row buffered in columns (filled by typed batch
/// copies), plus an index over the rows whose keys are all non-null (a NULL key equals nothing, so
/// such rows are never found, but they are kept for outer joins and counted for NOT IN).
/// <para>
/// One integer key (int2/int4/int8/date/time/timestamp[tz], compared as plain integers): the keys
/// are widened to a flat <c>long[]</c>; <see cref="Seal"/> sorts the non-null rows by bucket
/// (Fibonacci hash of the key, counting sort, stable so matches come in build order) into
/// <see cref="Entries"/> (key next to row id) with <see cref="Offsets"/> giving each bucket's
/// range, so a probe reads one offset pair and one run of entries. Two keys of at most 32 bits
/// (int2/int4/date on both sides) take the same path, packed into one long as
/// <c>(first &lt;&lt; 32) | (uint)second</c>; a row with either key NULL is not indexed.
/// </para>
/// <para>
/// Other keys: chains of row ids per bucket, with equality and hashing of the key type
/// (<see cref="ColumnOps"/>: bpchar ignores trailing blanks, float has NaN = NaN and -0 = 0,
/// numeric 1.0 = 1.00), the semantics of its hash opclass.
/// </para>
/// </summary>
public sealed class JoinHashTable
{
    /// <summary>A build row with a non-null integer key, in bucket order.</summary>
    public struct Entry
    {
        public long Key;
        public int Row;
    }

    private readonly ColumnOps[] rowOps;
    private readonly ColumnOps[] keyOps;
    private int[] heads = [];
    private int[] next = [];
    private int[] hashes = [];
    private int mask;

    // Integer-key path.
    private long[] intKeys = [];
    private bool[]? intKeyNull;

    /// <param name="probeKeyTypes">The probe side's key types; the integer path needs both sides integer.</param>
    public JoinHashTable(IReadOnlyList<PgType> rowTypes, IReadOnlyList<PgType> keyTypes, IReadOnlyList<PgType>? probeKeyTypes = null)
    {
        rowOps = rowTypes.Select(ColumnOps.For).ToArray();
        keyOps = keyTypes.Select(ColumnOps.For).ToArray();
        Rows = rowTypes.Select(t => Buffer(t)).ToArray();
        IsIntegerKey = (keyTypes.Count == 1 && IsIntegerType(keyTypes[0]) && (probeKeyTypes is null || IsIntegerType(probeKeyTypes[0])))
            || (keyTypes.Count == 2 && keyTypes.All(IsNarrowIntegerType) && (probeKeyTypes is null || probeKeyTypes.All(IsNarrowIntegerType)));
        Keys = IsIntegerKey ? [] : keyTypes.Select(t => Buffer(t)).ToArray();
        if (IsIntegerKey) intKeys = new long[ExecutionContext.BatchRows];
    }

    /// <summary>Key types compared as plain integers of one of the widths of <see cref="WidenKeys(Column, int, Span{long})"/>.</summary>
    public static bool IsIntegerType(PgType type) => type.Oid is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8
        or PgTypeOid.Date or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz;

    /// <summary>Key types of at most 32 bits: two of them pack into one long (<see cref="WidenKeys(Column[], int, Span{long})"/>).</summary>
    public static bool IsNarrowIntegerType(PgType type) => type.Oid is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Date;

    private static Column Buffer(PgType type)
    {
        var c = PgArrowMapping.CreateColumn(type, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    }

    /// <summary>The buffered build rows, one column per build output column.</summary>
    public Column[] Rows { get; }

    /// <summary>
    /// Build columns nothing reads from this table (true for each; <see cref="UnreadJoinColumns"/>):
    /// <see cref="Append"/> buffers NULLs for them instead of their values. Null: every column is copied.
    /// </summary>
    public bool[]? NotCopied { get; set; }

    /// <summary>The buffered keys (generic path only; empty for an integer key).</summary>
    public Column[] Keys { get; }

    public ColumnOps[] RowOps => rowOps;

    public int Count { get; private set; }

    /// <summary>Whether some build row has a NULL key (NOT IN is then never true).</summary>
    public bool HasNullKey { get; private set; }

    public bool HasKeys => keyOps.Length > 0;

    /// <summary>One integer key, or two keys of at most 32 bits packed into one long: probe with <see cref="Offsets"/>, <see cref="Entries"/> and <see cref="BucketOf"/>.</summary>
    public bool IsIntegerKey { get; }

    /// <summary>Integer key: bucket b's entries are <c>Entries[Offsets[b]..Offsets[b + 1])</c>.</summary>
    public int[] Offsets { get; private set; } = [];

    public Entry[] Entries { get; private set; } = [];

    /// <summary>64 minus the number of bucket bits.</summary>
    public int Shift { get; private set; } = 63;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BucketOf(long key, int shift) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> shift);

    /// <summary>Appends the live rows of <paramref name="batch"/>; <paramref name="keys"/> holds their keys compacted from row 0.</summary>
    public void Append(RecordBatch batch, Column[]? keys)
    {
        int live = batch.LiveRows;
        int[]? selection = batch.Selection;
        var notCopied = NotCopied;
        for (int j = 0; j < rowOps.Length; j++)
        {
            if (notCopied is not null && notCopied[j]) ColumnAppend.Nulls(Rows[j], live);
            else AppendRows(batch.Columns[j], selection, live, Rows[j], rowOps[j]);
        }
        if (IsIntegerKey)
        {
            AppendIntegerKeys(keys!, live);
        }
        else
        {
            for (int j = 0; j < keyOps.Length; j++) AppendRows(keys![j], null, live, Keys[j], keyOps[j]);
        }
        Count += live;
    }

    private void AppendIntegerKeys(Column[] keys, int live)
    {
        int at = Count;
        if (at + live > intKeys.Length) Array.Resize(ref intKeys, Math.Max(at + live, intKeys.Length * 2));
        WidenKeys(keys, live, intKeys.AsSpan(at, live));
        foreach (var key in keys)
        {
            if (key.Validity is not { } v) continue;
            for (int k = 0; k < live; k++)
            {
                if (v.IsValid(k)) continue;
                if (intKeyNull is null || intKeyNull.Length < intKeys.Length) Array.Resize(ref intKeyNull, intKeys.Length);
                intKeyNull[at + k] = true;
                HasNullKey = true;
            }
        }
    }

    /// <summary>
    /// Rows 0..n of the integer key into <paramref name="dst"/>: one key widened to long, or two
    /// keys of at most 32 bits packed as (first &lt;&lt; 32) | (uint)second, so equal packed values
    /// mean both keys equal. NULLs give arbitrary values; callers check validity.
    /// </summary>
    public static void WidenKeys(Column[] keys, int n, Span<long> dst)
    {
        if (keys.Length == 1)
        {
            WidenKeys(keys[0], n, dst);
            return;
        }
        WidenKeys(keys[1], n, dst);
        switch (keys[0])
        {
            case PrimitiveColumn<int> c:
                {
                    var high = c.Values;
                    for (int i = 0; i < n; i++) dst[i] = ((long)high[i] << 32) | (uint)dst[i];
                    break;
                }
            case PrimitiveColumn<short> c:
                {
                    var high = c.Values;
                    for (int i = 0; i < n; i++) dst[i] = ((long)high[i] << 32) | (uint)dst[i];
                    break;
                }
            default: throw new InvalidOperationException($"32-bit integer join key expected, got {keys[0].GetType().Name}");
        }
    }

    /// <summary>Copies rows 0..n of an integer key column into <paramref name="dst"/>, widened to long.</summary>
    public static void WidenKeys(Column keys, int n, Span<long> dst)
    {
        switch (keys)
        {
            case PrimitiveColumn<long> c: c.Values.AsSpan(0, n).CopyTo(dst); break;
            case PrimitiveColumn<int> c:
                {
                    var src = c.Values;
                    for (int i = 0; i < n; i++) dst[i] = src[i];
                    break;
                }
            case PrimitiveColumn<short> c:
                {
                    var src = c.Values;
                    for (int i = 0; i < n; i++) dst[i] = src[i];
                    break;
                }
            default: throw new InvalidOperationException($"integer join key expected, got {keys.GetType().Name}");
        }
    }

    /// <summary>Appends rows <c>selection[0..n)</c> (rows 0..n without a selection) of src at dst.Length.</summary>
    private static void AppendRows(Column src, int[]? selection, int n, Column dst, ColumnOps fallback)
    {
        switch (src)
        {
            case PrimitiveColumn<int> s: AppendPrimitive(s, (PrimitiveColumn<int>)dst, selection, n); break;
            case PrimitiveColumn<long> s: AppendPrimitive(s, (PrimitiveColumn<long>)dst, selection, n); break;
            case PrimitiveColumn<short> s: AppendPrimitive(s, (PrimitiveColumn<short>)dst, selection, n); break;
            case PrimitiveColumn<double> s: AppendPrimitive(s, (PrimitiveColumn<double>)dst, selection, n); break;
            case PrimitiveColumn<float> s: AppendPrimitive(s, (PrimitiveColumn<float>)dst, selection, n); break;
            case PrimitiveColumn<uint> s: AppendPrimitive(s, (PrimitiveColumn<uint>)dst, selection, n); break;
            default:
                for (int i = 0; i < n; i++) fallback.Append(src, selection is null ? i : selection[i], dst);
                break;
        }
    }

    private static void AppendPrimitive<T>(PrimitiveColumn<T> src, PrimitiveColumn<T> dst, int[]? selection, int n)
        where T : unmanaged
    {
        int at = dst.Length;
        dst.EnsureCapacity(at + n);
        var validity = dst.EnsureValidity(at + n);
        var to = dst.Values;
        var from = src.Values;
        if (selection is null)
        {
            Array.Copy(from, 0, to, at, n);
        }
        else
        {
            for (int i = 0; i < n; i++) to[at + i] = from[selection[i]];
        }
        if (src.Validity is not { } sv)
        {
            for (int i = 0; i < n; i++) validity.SetValid(at + i);
        }
        else
        {
            for (int i = 0; i < n; i++) validity.Set(at + i, sv.IsValid(selection is null ? i : selection[i]));
        }
        dst.Length = at + n;
    }

    /// <summary>Indexes the rows with non-null keys; call once, after the last Append.</summary>
    public void Seal()
    {
        // A build column without NULLs drops its bitmap, so gathers from it need not read validity.
        foreach (var c in Rows)
            if (c.Validity is { } v && v.CountNulls(c.Length) == 0) c.Validity = null;
        if (!HasKeys) return;
        if (IsIntegerKey)
        {
            SealInteger();
            return;
        }
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

    private void SealInteger()
    {
        int bits = 4;
        while ((1 << bits) < Count && bits < 30) bits++;
        int size = 1 << bits;
        int shift = 64 - bits;
        Shift = shift;
        var keys = intKeys;
        var nulls = intKeyNull;
        var buckets = new int[Count];
        var offsets = new int[size + 1];
        int n = 0;
        for (int r = 0; r < Count; r++)
        {
            if (nulls is not null && r < nulls.Length && nulls[r])
            {
                buckets[r] = -1;
                continue;
            }
            int b = BucketOf(keys[r], shift);
            buckets[r] = b;
            offsets[b + 1]++;
            n++;
        }
        for (int b = 0; b < size; b++) offsets[b + 1] += offsets[b];
        var fill = new int[size];
        Array.Copy(offsets, fill, size);
        var entries = new Entry[n];
        for (int r = 0; r < Count; r++)
        {
            int b = buckets[r];
            if (b < 0) continue;
            ref var e = ref entries[fill[b]++];
            e.Key = keys[r];
            e.Row = r;
        }
        Offsets = offsets;
        Entries = entries;
        intKeys = [];
        intKeyNull = null;
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
