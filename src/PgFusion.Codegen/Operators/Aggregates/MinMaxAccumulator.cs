using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// min / max for any ordered type: the current extreme of each group lives in a column of the
/// argument type (copied, since input batches are reused). Ties take the newer value, as
/// int4larger / numeric_larger / text_larger do.
/// <para>
/// A new extreme is appended to the store and the group's slot moved to it; the replaced value
/// stays behind as garbage until the store is compacted (<see cref="Compact"/>: once the garbage
/// passes the groups' slots, at least <see cref="MinGarbageRows"/>), so the store holds at most
/// about twice the groups' values plus that many, whatever the input. Without it, an input that
/// replaces the extreme on every row (max over ascending values, or ties, which take the newer
/// value: max(count(*) OVER w) of a fixed-width frame) grew the store by one value per row, all
/// of it outside the memory budget (perf/mem7-2026-12-02.md).
/// </para>
/// <para>
/// What the store holds counts against the memory budget (<see cref="HeldBytes"/>): text values
/// (text, varchar, bpchar) and wide numerics make a group's value variable in size, far beyond the
/// fixed per-group state <see cref="Spill.AggregateSpill"/> counts, so a hash aggregate with many
/// groups of min(text) spills by groups as one with string_agg does (perf/mem8-2026-12-02.md). A
/// text store is also compacted once its replaced text passes its groups' current text (and
/// <see cref="MinGarbageBytes"/>), so a few groups whose long values are replaced often do not
/// hold 1024 of them.
/// </para>
/// </summary>
public sealed class MinMaxAccumulator : Accumulator
{
    private readonly PgType type;
    private readonly bool max;
    private readonly ColumnOps ops;
    private int[] slot = new int[16];
    private Column store;
    private Column? spare; // the store before the last compaction, reused by the next
    private int live; // groups with a value (slot >= 0)
    private int compactAt; // store length at which it is compacted
    private VarBinaryColumn? text; // the store, when it holds text
    private long liveBytes; // the text bytes of the groups' current values
    private long spareBytes; // what the spare store held when it was swapped out (its arrays keep that much)

    /// <summary>Replaced values the store may hold beyond the groups' slots before it is compacted.</summary>
    internal const int MinGarbageRows = 1024;

    /// <summary>Replaced text bytes the store may always hold (beyond that, no more than its groups' current text).</summary>
    internal const int MinGarbageBytes = 64 * 1024;

    /// <summary>Bytes per group <see cref="Spill.AggregateSpill.Bytes"/> already counts for each aggregate's state.</summary>
    private const int CountedBytesPerGroup = 32;

    /// <summary>
    /// Whether two values that compare equal can still differ in what they show (numeric's scale,
    /// interval's fields, float's -0, bpchar's trailing blanks): then the order rows come in decides
    /// a tie's result (the later row's value).
    /// </summary>
    internal bool TiesMayDiffer => type.Oid is PgTypeOid.Numeric or PgTypeOid.Interval or PgTypeOid.Float4 or PgTypeOid.Float8 or PgTypeOid.Bpchar;

    /// <summary>Rows the store holds (the groups' current values and the replaced ones not yet compacted away).</summary>
    internal int StoreRows => store.Length;

    /// <summary>Bytes the store holds as ColumnMemory counts them (the groups' current values and the replaced ones).</summary>
    internal long StoreBytes => ColumnMemory.Bytes(store);

    public MinMaxAccumulator(PgType type, bool max)
    {
        this.type = type;
        this.max = max;
        ops = ColumnOps.For(type);
        store = PgArrowMapping.CreateColumn(type, 16);
        store.EnsureValidity(16);
        text = store as VarBinaryColumn;
        Array.Fill(slot, -1);
        compactAt = NextCompactAt();
    }

    /// <summary>
    /// The store (live and replaced values, text included), the spare store's arrays and the slots,
    /// less the fixed bytes per group the aggregate's table size already counts for this state.
    /// </summary>
    public override long HeldBytes => CountStore
        ? Math.Max(0, ColumnMemory.Bytes(store) + spareBytes + 4L * slot.Length - (long)CountedBytesPerGroup * live)
        : 0;

    /// <summary>
    /// PGFUSION_MINMAX_COMPACT=0 in the server's environment keeps every replaced value (the store
    /// as it was before 2026-12-02), for A/B measurements of the worker's heap only.
    /// </summary>
    private static readonly bool CompactStore = Environment.GetEnvironmentVariable("PGFUSION_MINMAX_COMPACT") != "0";

    /// <summary>
    /// PGFUSION_MINMAX_HELD=0 in the server's environment leaves the store out of the budget and
    /// compacts a text store by rows only (as before 2026-12-02's mem8), for A/B measurements only.
    /// </summary>
    private static readonly bool CountStore = Environment.GetEnvironmentVariable("PGFUSION_MINMAX_HELD") != "0";

    private int NextCompactAt() => CompactStore ? live + Math.Max(MinGarbageRows, slot.Length) : int.MaxValue;

    /// <summary>
    /// Copies every group's current value into the spare store (group order) and swaps the two, so
    /// the replaced values go; the old store, reset, is the next spare (both keep their capacity:
    /// no allocation once they are large enough).
    /// </summary>
    private void Compact()
    {
        var fresh = spare ?? PgArrowMapping.CreateColumn(type, Math.Max(16, live));
        fresh.Reset();
        fresh.EnsureValidity(Math.Max(16, live));
        for (int g = 0; g < slot.Length; g++)
        {
            int s = slot[g];
            if (s < 0) continue;
            slot[g] = fresh.Length;
            ops.Append(store, s, fresh);
        }
        spare = store;
        spareBytes = CountStore ? ColumnMemory.Bytes(store) : 0;
        store = fresh;
        text = store as VarBinaryColumn;
        compactAt = NextCompactAt();
    }

    /// <summary>Makes <paramref name="value"/>'s row <paramref name="row"/> group <paramref name="g"/>'s extreme.</summary>
    private void Replace(int g, Column value, int row)
    {
        int old = slot[g];
        if (old < 0) live++;
        slot[g] = store.Length;
        ops.Append(value, row, store);
        if (text is not null && TextGarbagePassesLive(old)) Compact();
        else if (store.Length >= compactAt) Compact();
    }

    /// <summary>
    /// Keeps <see cref="liveBytes"/> (the replaced value at <paramref name="old"/> leaves it, the one
    /// just appended joins it) and says whether the replaced text passes the live text and
    /// <see cref="MinGarbageBytes"/>: a compaction then at least halves the store's text.
    /// </summary>
    private bool TextGarbagePassesLive(int old)
    {
        var offsets = text!.Offsets;
        int last = text.Length;
        if (old >= 0) liveBytes -= offsets[old + 1] - offsets[old];
        liveBytes += offsets[last] - offsets[last - 1];
        return CompactStore && CountStore && offsets[last] - liveBytes >= Math.Max(MinGarbageBytes, liveBytes);
    }

    public override void EnsureGroups(int groups)
    {
        int old = slot.Length;
        slot = Grow(slot, groups);
        if (slot.Length > old)
        {
            Array.Fill(slot, -1, old, slot.Length - old);
            compactAt = NextCompactAt();
        }
    }

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        for (int r = 0; r < rows; r++)
        {
            if (Skip(arg, filter, r)) continue;
            int g = groupIds[r];
            int s = slot[g];
            if (s >= 0)
            {
                int c = ops.Compare(store, s, arg!, r);
                if (max ? c > 0 : c < 0) continue;
            }
            Replace(g, arg!, r);
        }
    }

    public override bool CanMerge => true;

    public override void Merge(int group, Accumulator other, int otherGroup)
    {
        var o = (MinMaxAccumulator)other;
        int os = o.slot[otherGroup];
        if (os < 0) return;
        int s = slot[group];
        if (s >= 0)
        {
            int c = ops.Compare(store, s, o.store, os);
            if (max ? c > 0 : c < 0) return;
        }
        // a tie takes the other partial's value, as Update takes the newer row's
        Replace(group, o.store, os);
    }

    public override void Write(int group, Column output)
    {
        if (slot[group] < 0) ColumnAppend.Null(output);
        else ops.Append(store, slot[group], output);
    }

    public override string ToString() => $"{(max ? "max" : "min")}({type})";
}
