using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// min / max for any ordered type: the current extreme of each group lives in a column of the
/// argument type (copied, since input batches are reused). Ties take the newer value, as
/// int4larger / numeric_larger / text_larger do.
/// </summary>
public sealed class MinMaxAccumulator : Accumulator
{
    private readonly PgType type;
    private readonly bool max;
    private readonly ColumnOps ops;
    private int[] slot = new int[16];
    private readonly Column store;

    public MinMaxAccumulator(PgType type, bool max)
    {
        this.type = type;
        this.max = max;
        ops = ColumnOps.For(type);
        store = PgArrowMapping.CreateColumn(type, 16);
        store.EnsureValidity(16);
        Array.Fill(slot, -1);
    }

    public override void EnsureGroups(int groups)
    {
        int old = slot.Length;
        slot = Grow(slot, groups);
        if (slot.Length > old) Array.Fill(slot, -1, old, slot.Length - old);
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
            // Append the new extreme; old ones stay as garbage in the store (bounded by the number of replacements).
            slot[g] = store.Length;
            ops.Append(arg!, r, store);
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
        slot[group] = store.Length;
        ops.Append(o.store, os, store);
    }

    public override void Write(int group, Column output)
    {
        if (slot[group] < 0) ColumnAppend.Null(output);
        else ops.Append(store, slot[group], output);
    }

    public override string ToString() => $"{(max ? "max" : "min")}({type})";
}
