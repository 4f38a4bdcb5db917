using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// agg(DISTINCT args): keeps each group's distinct argument tuples (equality as GROUP BY's), then,
/// before the first result is written, feeds them to the inner accumulator sorted by the
/// arguments, ascending with NULLs last, as nodeAgg's sort-based DISTINCT does (the order matters
/// to string_agg and to float sums).
/// </summary>
public sealed class DistinctAccumulator : Accumulator, IMultiArgumentAccumulator
{
    private const int ReplayRows = 1024;
    private readonly Accumulator inner;
    private readonly PgType[] argTypes;
    private readonly ColumnOps[] ops;
    private readonly GroupTable seen;
    private readonly Column[] keys;
    private Column[] extra = [];
    private readonly (int Arg, bool Descending, bool NullsFirst)[] sortSpec;
    private bool replayed;

    public DistinctAccumulator(Accumulator inner, IReadOnlyList<PgType> argTypes, IReadOnlyList<(int Arg, bool Descending, bool NullsFirst)>? sortSpec = null)
    {
        this.sortSpec = sortSpec is null ? [.. Enumerable.Range(0, argTypes.Count).Select(i => (i, false, false))] : [.. sortSpec];
        this.inner = inner;
        this.argTypes = [.. argTypes];
        ops = [.. argTypes.Select(ColumnOps.For)];
        seen = new GroupTable([PgType.Int4, .. argTypes]);
        keys = new Column[1 + argTypes.Count];
        keys[0] = PgArrowMapping.CreateColumn(PgType.Int4, ReplayRows);
    }

    public override void EnsureGroups(int groups) => inner.EnsureGroups(groups);

    public void SetExtraArguments(Column[] extra) => this.extra = extra;

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var gid = (PrimitiveColumn<int>)keys[0];
        gid.EnsureCapacity(rows);
        Array.Copy(groupIds, gid.Values, rows);
        gid.Length = rows;
        keys[1] = arg!;
        for (int i = 0; i < extra.Length; i++) keys[2 + i] = extra[i];
        for (int r = 0; r < rows; r++)
        {
            if (filter is not null && (filter.IsNull(r) || !filter.Get(r))) continue;
            seen.FindOrAdd(keys, r);
        }
    }

    public override void Write(int group, Column output)
    {
        if (!replayed) Replay();
        inner.Write(group, output);
    }

    private void Replay()
    {
        replayed = true;
        var stored = seen.Keys;
        var order = new int[seen.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (x, y) => CompareRows(stored, x, y));
        var columns = argTypes.Select(t => PgArrowMapping.CreateColumn(t, ReplayRows)).ToArray();
        var groupIds = new int[ReplayRows];
        for (int start = 0; start < order.Length; start += ReplayRows)
        {
            int n = Math.Min(ReplayRows, order.Length - start);
            foreach (var c in columns) Kernels.KernelColumns.Prepare(c, 0);
            for (int i = 0; i < n; i++)
            {
                int row = order[start + i];
                groupIds[i] = ((PrimitiveColumn<int>)stored[0]).Values[row];
                for (int a = 0; a < columns.Length; a++) ops[a].Append(stored[1 + a], row, columns[a]);
            }
            if (inner is IMultiArgumentAccumulator multi) multi.SetExtraArguments(columns[1..]);
            inner.Update(columns[0], null, n, groupIds);
        }
    }

    private int CompareRows(Column[] stored, int x, int y)
    {
        int c = ((PrimitiveColumn<int>)stored[0]).Values[x].CompareTo(((PrimitiveColumn<int>)stored[0]).Values[y]);
        foreach (var (a, descending, nullsFirst) in sortSpec)
        {
            if (c != 0) break;
            var col = stored[1 + a];
            bool xn = col.IsNull(x), yn = col.IsNull(y);
            if (xn || yn)
            {
                c = xn == yn ? 0 : (xn == nullsFirst ? -1 : 1);
                continue;
            }
            c = ops[a].Compare(col, x, col, y);
            if (descending) c = -c;
        }
        return c;
    }
}
