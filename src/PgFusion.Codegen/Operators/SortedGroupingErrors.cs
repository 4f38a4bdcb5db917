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
/// presorted input keeps them). Only for group keys read as plain input columns: a computed key is
/// evaluated below PostgreSQL's Sort, in scan order.
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

    /// <summary>The collector for <paramref name="node"/>, or null when PostgreSQL would hash (or its order is unknown).</summary>
    public static SortedGroupingErrors? For(HashAggregateNode node)
    {
        var plan = node.Plan;
        if (plan.SortedGrouping is not { Count: > 0 } order || plan.GroupKeys.Count == 0 || node.InputKernel is null) return null;
        if (!plan.Aggregates.Any(a => a.Distinct || a.OrderBy is { Count: > 0 })) return null;
        for (int j = 0; j < plan.GroupKeys.Count; j++)
            if (node.DirectInput[j] < 0 || !ColumnOps.For(node.EvaluatedTypes[j]).CanCompare) return null;
        return new SortedGroupingErrors(node, order);
    }

    /// <summary>The error of the first raising row in PostgreSQL's sort order so far; null when none raised.</summary>
    public PgFusionException? First => bestError;

    /// <summary>
    /// Evaluates the input kernel over <paramref name="batch"/> and, when it raises, records every
    /// raising row. Returns the rows (as a selection) that did not raise and whose group sorts
    /// before the first raising row's (empty while none raised): PostgreSQL completes and emits
    /// those groups before it reaches the raising row, so the caller folds them.
    /// </summary>
    public int[] Collect(Kernel<ProjectKernel> kernel, RecordBatch batch, Column[] computed, ExecutionContext context)
    {
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
                    Offer(batch, row, raised);
                }
            }
        }
        if (best < 0) return [];
        var keep = new List<int>();
        for (int k = 0; k < live; k++)
        {
            if (raisedRow is not null && raisedRow[k]) continue;
            int row = batch.Selection is { } s ? s[k] : k;
            if (CompareRow(batch, row) < 0) keep.Add(row);
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

    private int CompareRow(RecordBatch batch, int row)
    {
        var cols = new Column[candidates.Length];
        for (int j = 0; j < cols.Length; j++) cols[j] = batch.Columns[node.DirectInput[j]];
        return Compare(cols, row, candidates, best);
    }

    private void Offer(RecordBatch batch, int row, PgFusionException error)
    {
        for (int j = 0; j < candidates.Length; j++) ops[j].Append(batch.Columns[node.DirectInput[j]], row, candidates[j]);
        int at = candidates[0].Length - 1;
        if (best >= 0 && Compare(at, best) >= 0) return;
        best = at;
        bestError = error;
    }

    private int Compare(int a, int b) => Compare(candidates, a, candidates, b);

    private int Compare(IReadOnlyList<Column> left, int a, IReadOnlyList<Column> right, int b)
    {
        foreach (var key in order)
        {
            var l = left[key.KeyIndex];
            var r = right[key.KeyIndex];
            bool an = l.IsNull(a), bn = r.IsNull(b);
            if (an && bn) continue;
            if (an || bn) return an == key.NullsFirst ? -1 : 1;
            int cmp = ops[key.KeyIndex].Compare(l, a, r, b);
            if (cmp != 0) return key.Descending ? -cmp : cmp;
        }
        return 0;
    }
}
