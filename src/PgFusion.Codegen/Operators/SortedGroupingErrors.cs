using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// Which input row's aggregate argument error PostgreSQL meets first when it aggregates sorted.
/// PostgreSQL 15 cannot hash a GROUP BY whose aggregates include a DISTINCT or ORDER BY one
/// (planner.c: numOrderedAggs &gt; 0 rules out hash aggregation): it sorts the input on the group keys
/// (GroupAggregate over a Sort, in the order of <see cref="PhysicalHashAggregate.SortedGrouping"/>)
/// and evaluates the aggregates' arguments and FILTERs row by row in that order, after the whole
/// input was read. Of two rows whose arguments raise, the one that sorts first raises; an error
/// below the aggregate (the scan's quals, a join) raises before any of them. pg_fusion's hash
/// aggregate evaluates the arguments in scan order, so once they raise it stops folding, reads the
/// rest of the input (whose own errors still raise), evaluates the arguments of every row and
/// raises the error of the row that sorts first (the first in scan order among equal keys, as a
/// presorted input keeps them). A computed group key is evaluated below PostgreSQL's Sort (the
/// grouping input target, planner.c make_group_input_target), for every row in scan order: its
/// error raises before any argument's, so the stream computes such keys first
/// (<see cref="HashAggregateNode.KeyKernel"/>) and compares rows on their values.
/// </summary>
internal sealed class SortedGroupingErrors
{
    private readonly HashAggregateNode node;
    private readonly IReadOnlyList<GroupSortKey> order;
    private readonly Column[] candidates;
    private readonly ColumnOps[] ops;
    private int best = -1;
    private PgFusionException? bestError;

    private SortedGroupingErrors(HashAggregateNode node, IReadOnlyList<GroupSortKey> order)
    {
        this.node = node;
        this.order = order;
        int keyCount = node.Plan.GroupKeys.Count;
        candidates = [.. Enumerable.Range(0, keyCount).Select(j => PgArrowMapping.CreateColumn(node.EvaluatedTypes[j], 4))];
        ops = [.. Enumerable.Range(0, keyCount).Select(j => ColumnOps.For(node.EvaluatedTypes[j]))];
    }

    /// <summary>
    /// Whether PostgreSQL sorts the input of <paramref name="plan"/> on its group keys before it
    /// evaluates any aggregate argument: it groups and has an ordered aggregate (in whatever order).
    /// </summary>
    public static bool PostgresSorts(PhysicalHashAggregate plan) =>
        plan.GroupKeys.Count > 0 && plan.Aggregates.Any(a => a.Distinct || a.OrderBy is { Count: > 0 });

    /// <summary>The collector for <paramref name="node"/>, or null when PostgreSQL would hash (or its order is unknown).</summary>
    public static SortedGroupingErrors? For(HashAggregateNode node)
    {
        var plan = node.Plan;
        if (!PostgresSorts(plan) || plan.SortedGrouping is not { Count: > 0 } order || node.InputKernel is null) return null;
        for (int j = 0; j < plan.GroupKeys.Count; j++)
        {
            // a computed key's values come from KeyKernel (made for every aggregate PostgreSQL sorts)
            if (node.DirectInput[j] < 0 && node.KeyKernel is null) return null;
            if (!ColumnOps.For(node.EvaluatedTypes[j]).CanCompare) return null;
        }
        return new SortedGroupingErrors(node, order);
    }

    /// <summary>The error of the first raising row in PostgreSQL's sort order so far; null when none raised.</summary>
    public PgFusionException? First => bestError;

    /// <summary>
    /// The batch row of the last <see cref="Collect"/>ed batch that became the first raising row, or -1
    /// when that row is from an earlier batch (or none raised).
    /// </summary>
    public int RaisingRowOfLastBatch { get; private set; } = -1;

    /// <summary>Live index of <see cref="RaisingRowOfLastBatch"/> in its batch.</summary>
    private int raisingLive = -1;

    /// <summary>
    /// The first raising row, aggregated aggregate by aggregate, raised <paramref name="error"/> first (a
    /// transition of an aggregate before the one whose argument raised): that is its error.
    /// </summary>
    public void RaisedFirst(PgFusionException error) => bestError = error;

    /// <summary>
    /// Evaluates the input kernel over <paramref name="batch"/> and, when it raises, records every
    /// raising row. Returns the rows (as a selection) that did not raise and whose group sorts
    /// before the first raising row's (empty while none raised): PostgreSQL completes and emits
    /// those groups before it reaches the raising row, so the caller folds them. When the first
    /// raising row is in this batch, the rows of its group before it (in scan order, as a presorted
    /// input keeps them) are returned too: PostgreSQL aggregates them before it, and their
    /// transitions may raise first (seed 795 case 1326: a float sum's overflow).
    /// <paramref name="keyValues"/> holds KeyKernel's outputs over the batch (one value per live
    /// row), empty when every key is a direct input column.
    /// </summary>
    public int[] Collect(Kernel<ProjectKernel> kernel, RecordBatch batch, Column[] computed, Column[] keyValues, ExecutionContext context)
    {
        this.keyValues = keyValues;
        RaisingRowOfLastBatch = raisingLive = -1;
        int live = batch.LiveRows;
        bool[]? raisedRow = null;
        try
        {
            ProjectStream.Run(kernel, batch, computed, context);
        }
        catch (PgFusionException)
        {
            // some rows raise: find each of them (only on this error path)
            raisedRow = new bool[live];
            var one = new int[1];
            var single = new RecordBatch(batch.Columns, batch.Length) { Selection = one, SelectedCount = 1 };
            for (int k = 0; k < live; k++)
            {
                int row = batch.Selection is { } s ? s[k] : k;
                one[0] = row;
                try
                {
                    ProjectStream.Run(kernel, single, computed, context);
                }
                catch (PgFusionException raised)
                {
                    raisedRow[k] = true;
                    Offer(batch, k, row, raised);
                }
            }
        }
        if (best < 0) return [];
        var keep = new List<int>();
        for (int k = 0; k < live; k++)
        {
            if (raisedRow is not null && raisedRow[k]) continue;
            int row = batch.Selection is { } s ? s[k] : k;
            int cmp = CompareRow(batch, k, row);
            if (cmp < 0 || cmp == 0 && k < raisingLive) keep.Add(row);
        }
        return [.. keep];
    }

    /// <summary>
    /// The groups of <paramref name="table"/> (the first <paramref name="groups"/>) whose keys sort
    /// before the first raising row's, in PostgreSQL's sort order: the groups its GroupAggregate
    /// emits (their HAVING and projection evaluated) before it aggregates the raising row.
    /// </summary>
    public int[] GroupsBefore(GroupTable table, int groups)
    {
        if (best < 0) return [];
        var before = new List<int>();
        for (int g = 0; g < groups; g++)
            if (Compare(table.Keys, g, candidates, best) < 0) before.Add(g);
        before.Sort((a, b) =>
        {
            int c = Compare(table.Keys, a, table.Keys, b);
            return c != 0 ? c : a.CompareTo(b);
        });
        return [.. before];
    }

    /// <summary>KeyKernel's outputs over the batch being collected (indexed by live row).</summary>
    private Column[] keyValues = [];

    /// <summary>Key <paramref name="j"/> of live row <paramref name="k"/> (batch row <paramref name="row"/>): its column and index there.</summary>
    private (Column Column, int Index) KeyOf(RecordBatch batch, int j, int k, int row) =>
        node.DirectInput[j] is int d and >= 0 ? (batch.Columns[d], row) : (keyValues[node.KernelColumn[j]], k);

    private int CompareRow(RecordBatch batch, int k, int row)
    {
        foreach (var key in order)
        {
            var (column, index) = KeyOf(batch, key.KeyIndex, k, row);
            int cmp = CompareKey(key, column, index, candidates[key.KeyIndex], best);
            if (cmp != 0) return cmp;
        }
        return 0;
    }

    private void Offer(RecordBatch batch, int k, int row, PgFusionException error)
    {
        for (int j = 0; j < candidates.Length; j++)
        {
            var (column, index) = KeyOf(batch, j, k, row);
            ops[j].Append(column, index, candidates[j]);
        }
        int at = candidates[0].Length - 1;
        if (best >= 0 && Compare(at, best) >= 0) return;
        best = at;
        bestError = error;
        RaisingRowOfLastBatch = row;
        raisingLive = k;
    }

    private int Compare(int a, int b) => Compare(candidates, a, candidates, b);

    private int Compare(IReadOnlyList<Column> left, int a, IReadOnlyList<Column> right, int b)
    {
        foreach (var key in order)
        {
            int cmp = CompareKey(key, left[key.KeyIndex], a, right[key.KeyIndex], b);
            if (cmp != 0) return cmp;
        }
        return 0;
    }

    /// <summary>One sort key of two rows, in PostgreSQL's order (direction and nulls placement).</summary>
    private int CompareKey(GroupSortKey key, Column l, int a, Column r, int b)
    {
        bool an = l.IsNull(a), bn = r.IsNull(b);
        if (an && bn) return 0;
        if (an || bn) return an == key.NullsFirst ? -1 : 1;
        int cmp = ops[key.KeyIndex].Compare(l, a, r, b);
        return key.Descending ? -cmp : cmp;
    }
}
