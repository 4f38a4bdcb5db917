using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// Each group's first input row's value, NULL included, and NULL for a group without rows.
/// DISTINCT ON's pseudo-aggregate (BoundAggregate.FirstValueOid) keeps the first row; a scalar
/// subquery's value (BoundAggregate.SingleValueOid, constructed with oneRowOnly) raises
/// PostgreSQL's cardinality violation on a second row, as ExecScanSubPlan does.
/// </summary>
public sealed class FirstValueAccumulator : Accumulator
{
    private readonly ColumnOps ops;
    private readonly Column store;
    private readonly bool oneRowOnly;
    private readonly bool anyRow;
    private int[] slot = new int[16];
    private int held; // groups with a value

    /// <summary>
    /// The store (a text value each for DISTINCT ON's text columns or any_value(text)) and the slots,
    /// less the 32 bytes per group the aggregate's table size already counts for this state.
    /// </summary>
    public override long HeldBytes => Math.Max(0, Spill.ColumnMemory.Bytes(store) + 4L * slot.Length - 32L * held);

    public FirstValueAccumulator(PgType type, bool oneRowOnly = false, bool anyRow = false)
    {
        this.oneRowOnly = oneRowOnly;
        this.anyRow = anyRow;
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
            if (filter is not null && (filter.IsNull(r) || !filter.Get(r))) continue;
            int g = groupIds[r];
            if (slot[g] >= 0)
            {
                if (oneRowOnly) throw new PgFusionException("21000", "more than one row returned by a subquery used as an expression");
                continue;
            }
            slot[g] = store.Length;
            held++;
            ops.Append(arg!, r, store);
        }
    }

    public override bool CanMerge => anyRow;

    public override void Merge(int group, Accumulator other, int otherGroup)
    {
        var o = (FirstValueAccumulator)other;
        if (slot[group] >= 0 || otherGroup >= o.slot.Length || o.slot[otherGroup] < 0) return;
        slot[group] = store.Length;
        held++;
        ops.Append(o.store, o.slot[otherGroup], store);
    }

    public override void Write(int group, Column output)
    {
        if (slot[group] < 0) ColumnAppend.Null(output);
        else ops.Append(store, slot[group], output);
    }
}
