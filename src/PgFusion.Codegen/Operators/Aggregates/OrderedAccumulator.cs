using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// agg(args ORDER BY keys): buffers each input row (arguments and sort keys) that passes the
/// FILTER, then, before the first result is written, feeds the rows to the inner accumulator
/// sorted by group and the keys (ties keep input order). This is the order nodeAgg's per-aggregate
/// sort hands to the transition function. Under a memory budget, once the buffered rows pass it
/// they are sorted (stably) and written as a run (<see cref="AccumulatorRuns"/>, columns: group id,
/// arguments, keys) and the buffer starts empty; the replay then merges the runs, ties going to the
/// earlier run, so equal keys still keep input order.
/// </summary>
public sealed class OrderedAccumulator : Accumulator, IMultiArgumentAccumulator
{
    private const int ReplayRows = 1024;
    private readonly Accumulator inner;
    private readonly PgType[] argTypes;
    private readonly AggregateSortKey[] keys;
    private readonly ColumnOps[] ops;
    private readonly PgType[] allTypes;
    private Column[] store;
    private readonly List<int> groupOf = [];
    private ExecutionContext? context;
    private OperatorNode? node;
    private AccumulatorRuns? runs;
    private Column[] extra = [];
    private bool replayed;

    public OrderedAccumulator(Accumulator inner, IReadOnlyList<PgType> argTypes, IReadOnlyList<AggregateSortKey> keys)
    {
        this.inner = inner;
        this.argTypes = [.. argTypes];
        this.keys = [.. keys];
        PgType[] all = [.. argTypes, .. keys.Select(k => k.Expr.Type)];
        ops = [.. all.Select(ColumnOps.For)];
        allTypes = all;
        store = NewStore();
    }

    private Column[] NewStore() => [.. allTypes.Select(t =>
    {
        var c = PgArrowMapping.CreateColumn(t, ReplayRows);
        c.EnsureValidity(ReplayRows);
        return c;
    })];

    /// <summary>The buffered rows (arguments, keys) and their group ids.</summary>
    public override long HeldBytes => ColumnMemory.Bytes(store) + 4L * groupOf.Count;

    internal override void UseSpill(ExecutionContext context, long budget, OperatorNode node)
    {
        this.context = context;
        this.node = node;
        this.budget = budget;
    }

    internal override bool HoldsRows => true;

    private long budget = long.MaxValue;

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
        if (context is not null && HeldBytes > budget) SpillRun();
    }

    /// <summary>Writes the buffered rows, sorted stably, as a run (group id, arguments, keys) and empties the buffer.</summary>
    private void SpillRun()
    {
        var order = SortedOrder();
        var gid = (PrimitiveColumn<int>)PgArrowMapping.CreateColumn(PgType.Int4, order.Length);
        gid.EnsureCapacity(order.Length);
        groupOf.CopyTo(gid.Values);
        gid.Length = order.Length;
        runs ??= new AccumulatorRuns([PgType.Int4, .. allTypes], context!, node);
        runs.Write([gid, .. store], order, order.Length);
        store = NewStore();
        groupOf.Clear();
    }

    private int[] SortedOrder()
    {
        var order = new int[groupOf.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, CompareRows);
        return order;
    }

    public override void Write(int group, Column output)
    {
        if (!replayed) Replay();
        inner.Write(group, output);
    }

    private void Replay()
    {
        replayed = true;
        var columns = argTypes.Select(t => PgArrowMapping.CreateColumn(t, ReplayRows)).ToArray();
        var groupIds = new int[ReplayRows];
        int n = 0;
        foreach (var c in columns) Kernels.KernelColumns.Prepare(c, 0);
        if (runs is null)
        {
            foreach (int row in SortedOrder())
            {
                groupIds[n] = groupOf[row];
                for (int a = 0; a < columns.Length; a++) ops[a].Append(store[a], row, columns[a]);
                if (++n == ReplayRows) n = Feed(columns, groupIds, n);
            }
        }
        else
        {
            if (groupOf.Count > 0) SpillRun();
            foreach (var (spilled, row) in runs.Merge(CompareSpilled))
            {
                groupIds[n] = ((PrimitiveColumn<int>)spilled[0]).Values[row];
                for (int a = 0; a < columns.Length; a++) ops[a].Append(spilled[1 + a], row, columns[a]);
                if (++n == ReplayRows) n = Feed(columns, groupIds, n);
            }
        }
        if (n > 0) Feed(columns, groupIds, n);
    }

    /// <summary>Hands <paramref name="n"/> replayed rows to the inner accumulator and readies the columns; 0.</summary>
    private int Feed(Column[] columns, int[] groupIds, int n)
    {
        if (inner is IMultiArgumentAccumulator multi) multi.SetExtraArguments(columns[1..]);
        inner.Update(columns[0], null, n, groupIds);
        foreach (var c in columns) Kernels.KernelColumns.Prepare(c, 0);
        return 0;
    }

    /// <summary>Order of two spilled rows (group id, arguments, keys) by group and keys; ties are left to run order.</summary>
    private int CompareSpilled(Column[] sx, int x, Column[] sy, int y)
    {
        int c = ((PrimitiveColumn<int>)sx[0]).Values[x].CompareTo(((PrimitiveColumn<int>)sy[0]).Values[y]);
        return c != 0 ? c : CompareKeys(sx, 1, x, sy, 1, y);
    }

    private int CompareRows(int x, int y)
    {
        int c = groupOf[x].CompareTo(groupOf[y]);
        if (c == 0) c = CompareKeys(store, 0, x, store, 0, y);
        return c != 0 ? c : x.CompareTo(y);
    }

    /// <summary>
    /// ORDER BY order of two rows by the aggregate's sort keys, which sit after the arguments from
    /// column <paramref name="xBase"/> (<paramref name="yBase"/>) on: the buffer's own columns, or a
    /// spilled run's after its group id. 0 on ties.
    /// </summary>
    private int CompareKeys(Column[] xs, int xBase, int x, Column[] ys, int yBase, int y)
    {
        for (int k = 0; k < keys.Length; k++)
        {
            int s = argTypes.Length + k;
            Column cx = xs[xBase + s], cy = ys[yBase + s];
            bool xn = cx.IsNull(x), yn = cy.IsNull(y);
            if (xn || yn)
            {
                if (xn == yn) continue;
                return xn == keys[k].NullsFirst ? -1 : 1;
            }
            int c = ops[s].Compare(cx, x, cy, y);
            if (c != 0) return keys[k].Descending ? -c : c;
        }
        return 0;
    }
}
