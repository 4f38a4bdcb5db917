using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// agg(DISTINCT args): keeps each group's distinct argument tuples (equality as GROUP BY's), then,
/// before the first result is written, feeds them to the inner accumulator sorted by the
/// arguments, ascending with NULLs last, as nodeAgg's sort-based DISTINCT does (the order matters
/// to string_agg and to float sums). Under a memory budget, once the distinct tuples held pass it
/// they are sorted and written as a run (<see cref="AccumulatorRuns"/>) and the set starts empty
/// again; the replay then merges the runs and drops a tuple equal to the one before it (the runs are
/// each distinct, so equal tuples of several runs meet in the merge), as PostgreSQL's per-group
/// tuplesort spills.
/// </summary>
public sealed class DistinctAccumulator : Accumulator, IMultiArgumentAccumulator
{
    private const int ReplayRows = 1024;
    private readonly Accumulator inner;
    private readonly PgType[] argTypes;
    private readonly ColumnOps[] ops;
    private readonly ColumnOps[] allOps;
    private GroupTable seen;
    private ExecutionContext? context;
    private OperatorNode? node;
    private AccumulatorRuns? runs;
    private readonly Column[] keys;
    private Column[] extra = [];
    private readonly (int Arg, bool Descending, bool NullsFirst)[] sortSpec;
    private bool replayed;
    private int[] seenIds = [];

    public DistinctAccumulator(Accumulator inner, IReadOnlyList<PgType> argTypes, IReadOnlyList<(int Arg, bool Descending, bool NullsFirst)>? sortSpec = null)
    {
        this.sortSpec = sortSpec is null ? [.. Enumerable.Range(0, argTypes.Count).Select(i => (i, false, false))] : [.. sortSpec];
        this.inner = inner;
        this.argTypes = [.. argTypes];
        ops = [.. argTypes.Select(ColumnOps.For)];
        seen = new GroupTable([PgType.Int4, .. argTypes]);
        allOps = [ColumnOps.For(PgType.Int4), .. ops];
        keys = new Column[1 + argTypes.Count];
        keys[0] = PgArrowMapping.CreateColumn(PgType.Int4, ReplayRows);
    }

    public override void EnsureGroups(int groups) => inner.EnsureGroups(groups);

    public void SetExtraArguments(Column[] extra) => this.extra = extra;

    /// <summary>The distinct tuples held (group id, arguments) and about 8 bytes each of hash table.</summary>
    public override long HeldBytes => ColumnMemory.Bytes(seen.Keys) + 8L * seen.Count;

    internal override void UseSpill(ExecutionContext context, long budget, OperatorNode node)
    {
        this.context = context;
        this.node = node;
        this.budget = budget;
    }

    internal override bool HoldsRows => true;

    private long budget = long.MaxValue;

    /// <summary>Whether the tuples were written to runs (for tests).</summary>
    internal int SpilledRuns => runs?.Count ?? 0;

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var gid = (PrimitiveColumn<int>)keys[0];
        gid.EnsureCapacity(rows);
        Array.Copy(groupIds, gid.Values, rows);
        gid.Length = rows;
        keys[1] = arg!;
        for (int i = 0; i < extra.Length; i++) keys[2 + i] = extra[i];
        if (filter is null)
        {
            // every row: the table's batch lookup (its packed index packs the rows at once)
            if (seenIds.Length < rows) seenIds = new int[rows];
            seen.Lookup(keys, rows, seenIds);
        }
        else
        {
            for (int r = 0; r < rows; r++)
            {
                if (filter.IsNull(r) || !filter.Get(r)) continue;
                seen.FindOrAdd(keys, r);
            }
        }
        if (context is not null && HeldBytes > budget) SpillRun();
    }

    /// <summary>Writes the held tuples, sorted, as a run and empties the set.</summary>
    private void SpillRun()
    {
        var order = SortedOrder();
        runs ??= new AccumulatorRuns([PgType.Int4, .. argTypes], context!, node);
        runs.Write(seen.Keys, order, order.Length);
        seen = new GroupTable([PgType.Int4, .. argTypes]);
    }

    private int[] SortedOrder()
    {
        var stored = seen.Keys;
        var order = new int[seen.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (x, y) => CompareRows(stored, x, stored, y));
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
        if (CountHeldValues()) return;
        var columns = argTypes.Select(t => PgArrowMapping.CreateColumn(t, ReplayRows)).ToArray();
        var groupIds = new int[ReplayRows];
        int n = 0;
        foreach (var c in columns) Kernels.KernelColumns.Prepare(c, 0);
        foreach (var (stored, row) in SortedTuples())
        {
            groupIds[n] = ((PrimitiveColumn<int>)stored[0]).Values[row];
            for (int a = 0; a < columns.Length; a++) ops[a].Append(stored[1 + a], row, columns[a]);
            if (++n < ReplayRows) continue;
            Feed(columns, groupIds, n);
            n = 0;
            foreach (var c in columns) Kernels.KernelColumns.Prepare(c, 0);
        }
        if (n > 0) Feed(columns, groupIds, n);
    }

    /// <summary>
    /// count(DISTINCT x) does not depend on the order its distinct values arrive in, so when every
    /// value is still held (no run was written) each non-NULL one counts once in its group, without
    /// the sort and the replay (TPC-H Q16: 108K distinct (group, ps_suppkey) tuples, whose sort was
    /// ~11 % of the worker). Returns false when the values must be replayed sorted.
    /// </summary>
    private bool CountHeldValues()
    {
        if (runs is not null || inner is not CountAccumulator { CountsNulls: false } count || argTypes.Length != 1) return false;
        var groupIds = ((PrimitiveColumn<int>)seen.Keys[0]).Values;
        var values = seen.Keys[1];
        for (int row = 0; row < seen.Count; row++)
        {
            if (!values.IsNull(row)) count.AddToGroup(groupIds[row], 1);
        }
        return true;
    }

    private void Feed(Column[] columns, int[] groupIds, int n)
    {
        if (inner is IMultiArgumentAccumulator multi) multi.SetExtraArguments(columns[1..]);
        inner.Update(columns[0], null, n, groupIds);
    }

    /// <summary>The distinct tuples sorted by group and arguments: from memory, or merged from the runs without repeats.</summary>
    private IEnumerable<(Column[] Stored, int Row)> SortedTuples()
    {
        if (runs is null)
        {
            var stored = seen.Keys;
            foreach (int row in SortedOrder()) yield return (stored, row);
            yield break;
        }
        if (seen.Count > 0) SpillRun();
        seen = new GroupTable([PgType.Int4, .. argTypes]);
        var last = allOps.Select((_, j) => PgArrowMapping.CreateColumn(j == 0 ? PgType.Int4 : argTypes[j - 1], 1)).ToArray();
        bool any = false;
        foreach (var (stored, row) in runs.Merge(CompareRows))
        {
            if (any && CompareRows(stored, row, last, 0) == 0) continue;
            for (int j = 0; j < last.Length; j++)
            {
                Kernels.KernelColumns.Prepare(last[j], 0);
                allOps[j].Append(stored[j], row, last[j]);
            }
            any = true;
            yield return (stored, row);
        }
    }

    /// <summary>Order of tuple <paramref name="x"/> of <paramref name="sx"/> and <paramref name="y"/> of <paramref name="sy"/> (columns: group id, arguments).</summary>
    private int CompareRows(Column[] sx, int x, Column[] sy, int y)
    {
        int c = ((PrimitiveColumn<int>)sx[0]).Values[x].CompareTo(((PrimitiveColumn<int>)sy[0]).Values[y]);
        foreach (var (a, descending, nullsFirst) in sortSpec)
        {
            if (c != 0) break;
            var cx = sx[1 + a];
            var cy = sy[1 + a];
            bool xn = cx.IsNull(x), yn = cy.IsNull(y);
            if (xn || yn)
            {
                c = xn == yn ? 0 : (xn == nullsFirst ? -1 : 1);
                continue;
            }
            c = ops[a].Compare(cx, x, cy, y);
            if (descending) c = -c;
        }
        return c;
    }
}
