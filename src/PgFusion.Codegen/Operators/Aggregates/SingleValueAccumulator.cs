using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// A scalar subquery's value (BoundAggregate.SingleValueOid): the group's only input row's value,
/// NULL when it has none; a second row raises PostgreSQL's cardinality violation, as ExecScanSubPlan does.
/// </summary>
public sealed class SingleValueAccumulator : Accumulator
{
    private readonly ColumnOps ops;
    private readonly Column store;
    private int[] slot = new int[16];

    public SingleValueAccumulator(PgType type)
    {
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
            if (slot[g] >= 0) throw new PgFusionException("21000", "more than one row returned by a subquery used as an expression");
            slot[g] = store.Length;
            ops.Append(arg!, r, store);
        }
    }

    public override void Write(int group, Column output)
    {
        if (slot[group] < 0) ColumnAppend.Null(output);
        else ops.Append(store, slot[group], output);
    }
}
