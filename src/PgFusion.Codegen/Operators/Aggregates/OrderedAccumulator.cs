using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// agg(args ORDER BY keys): buffers each input row (arguments and sort keys) that passes the
/// FILTER, then, before the first result is written, feeds the rows to the inner accumulator
/// sorted by group and the keys (ties keep input order). This is the order nodeAgg's per-aggregate
/// sort hands to the transition function.
/// </summary>
public sealed class OrderedAccumulator : Accumulator, IMultiArgumentAccumulator
{
    private const int ReplayRows = 1024;
    private readonly Accumulator inner;
    private readonly PgType[] argTypes;
    private readonly AggregateSortKey[] keys;
    private readonly ColumnOps[] ops;
    private readonly Column[] store;
    private readonly List<int> groupOf = [];
    private Column[] extra = [];
    private bool replayed;

    public OrderedAccumulator(Accumulator inner, IReadOnlyList<PgType> argTypes, IReadOnlyList<AggregateSortKey> keys)
    {
        this.inner = inner;
        this.argTypes = [.. argTypes];
        this.keys = [.. keys];
        PgType[] all = [.. argTypes, .. keys.Select(k => k.Expr.Type)];
        ops = [.. all.Select(ColumnOps.For)];
        store = [.. all.Select(t =>
        {
            var c = PgArrowMapping.CreateColumn(t, ReplayRows);
            c.EnsureValidity(ReplayRows);
            return c;
        })];
    }

    public override void EnsureGroups(int groups) => inner.EnsureGroups(groups);

    public void SetExtraArguments(Column[] extra) => this.extra = extra;

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        for (int r = 0; r < rows; r++)
        {
            if (filter is not null && (filter.IsNull(r) || !filter.Get(r))) continue;
            groupOf.Add(groupIds[r]);
            ops[0].Append(arg!, r, store[0]);
            for (int c = 1; c < store.Length; c++) ops[c].Append(extra[c - 1], r, store[c]);
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
        var order = new int[groupOf.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, CompareRows);
        var columns = argTypes.Select(t => PgArrowMapping.CreateColumn(t, ReplayRows)).ToArray();
        var groupIds = new int[ReplayRows];
        for (int start = 0; start < order.Length; start += ReplayRows)
        {
            int n = Math.Min(ReplayRows, order.Length - start);
            foreach (var c in columns) Kernels.KernelColumns.Prepare(c, 0);
            for (int i = 0; i < n; i++)
            {
                int row = order[start + i];
                groupIds[i] = groupOf[row];
                for (int a = 0; a < columns.Length; a++) ops[a].Append(store[a], row, columns[a]);
            }
            if (inner is IMultiArgumentAccumulator multi) multi.SetExtraArguments(columns[1..]);
            inner.Update(columns[0], null, n, groupIds);
        }
    }

    private int CompareRows(int x, int y)
    {
        int c = groupOf[x].CompareTo(groupOf[y]);
        for (int k = 0; c == 0 && k < keys.Length; k++)
        {
            int s = argTypes.Length + k;
            var col = store[s];
            bool xn = col.IsNull(x), yn = col.IsNull(y);
            if (xn || yn)
            {
                c = xn == yn ? 0 : (xn == keys[k].NullsFirst ? -1 : 1);
                continue;
            }
            c = ops[s].Compare(col, x, col, y);
            if (keys[k].Descending) c = -c;
        }
        return c != 0 ? c : x.CompareTo(y);
    }
}
