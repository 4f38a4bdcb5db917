using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The spilling side of <see cref="SortStream"/>: each time the buffered rows exceed the memory
/// budget they are sorted and written as one run (row columns, then sort-key columns); at the end
/// the runs are merged with a heap of run cursors. Runs hold consecutive stretches of the input, and
/// ties go to the earlier run, so the merge keeps input order among equal keys as the in-memory sort does.
/// A limit (top-N) stops the merge early; WITH TIES goes on while the keys equal the limit-th row's.
/// </summary>
internal sealed class ExternalSort(SortNode node, ExecutionContext context)
{
    private readonly List<SpillFile> runs = [];
    private readonly Column[] staging = [.. node.Input.Output.Select(o => o.Type).Concat(node.Plan.Keys.Select(k => k.Expr.Type))
        .Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
    private readonly ColumnOps[] stagingOps = [.. node.Input.Output.Select(o => o.Type).Concat(node.Plan.Keys.Select(k => k.Expr.Type)).Select(ColumnOps.For)];

    public int Runs => runs.Count;

    /// <summary>Writes rows[order[0..count)] with their keys as a new run.</summary>
    public void AddRun(Column[] rows, Column[] keys, int[] order, int count)
    {
        var file = context.Spill.Create(new(SpillOperator.Sort, node));
        runs.Add(file);
        int width = rows.Length;
        for (int start = 0; start < count; start += ExecutionContext.BatchRows)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(ExecutionContext.BatchRows, count - start);
            for (int j = 0; j < width; j++) ColumnGather.Gather(rows[j], order, start, n, staging[j], stagingOps[j]);
            for (int j = 0; j < keys.Length; j++) ColumnGather.Gather(keys[j], order, start, n, staging[width + j], stagingOps[width + j]);
            file.Write(staging, n);
        }
    }

    /// <summary>
    /// The merged rows of every run, at most <paramref name="limit"/> of them; with
    /// <paramref name="withTies"/> (FETCH FIRST n ROWS WITH TIES) also the rows after the n-th whose
    /// sort keys all equal its keys.
    /// </summary>
    public IEnumerable<RecordBatch> Merge(long limit, bool withTies = false)
    {
        int width = node.Input.Output.Count;
        var types = node.Input.Output.Select(o => o.Type).Concat(node.Plan.Keys.Select(k => k.Expr.Type)).ToArray();
        var cursors = new SpillRunCursor[runs.Count];
        // each run's sort-key columns (after the row's own columns), sliced once
        var keys = new Column[runs.Count][];
        var heap = new PriorityQueue<int, int>(new RunOrder(cursors, keys, node));
        for (int r = 0; r < runs.Count; r++)
        {
            cursors[r] = new SpillRunCursor(runs[r], [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))]);
            keys[r] = cursors[r].Columns[width..];
            if (cursors[r].Advance()) heap.Enqueue(r, r);
        }
        var outputs = node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        var batch = new RecordBatch(outputs, 0);
        // WITH TIES: the keys of the limit-th row, copied (its run's cursor moves on)
        var lastKeys = withTies ? types[width..].Select(t => PgArrowMapping.CreateColumn(t, 1)).ToArray() : null;
        long emitted = 0;
        bool done = false;
        while (!done && heap.Count > 0 && (emitted < limit || withTies))
        {
            context.Cancellation.ThrowIfCancellationRequested();
            int n = emitted < limit ? (int)Math.Min(ExecutionContext.BatchRows, limit - emitted) : ExecutionContext.BatchRows;
            foreach (var c in outputs) Kernels.KernelColumns.Prepare(c, n);
            int k = 0;
            while (k < n && heap.TryPeek(out int run, out _))
            {
                var cur = cursors[run];
                if (emitted + k >= limit
                    && SortRowComparer.Compare(keys[run], cur.Row, lastKeys!, 0, node.Plan.Keys, node.KeyOps) != 0)
                {
                    done = true; // the first row not tied with the limit-th one
                    break;
                }
                heap.Dequeue();
                for (int j = 0; j < width; j++) stagingOps[j].Append(cur.Columns[j], cur.Row, outputs[j]);
                if (lastKeys is not null && emitted + k == limit - 1)
                {
                    for (int j = 0; j < lastKeys.Length; j++)
                    {
                        lastKeys[j].Reset();
                        stagingOps[width + j].Append(keys[run][j], cur.Row, lastKeys[j]);
                    }
                }
                k++;
                if (cur.Advance()) heap.Enqueue(run, run);
                else runs[run].Dispose();
            }
            emitted += k;
            if (k == 0) break;
            batch.Length = k;
            yield return batch;
        }
        foreach (var f in runs) f.Dispose();
    }

    private sealed class RunOrder(SpillRunCursor[] cursors, Column[][] keys, SortNode node) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            int c = SortRowComparer.Compare(keys[x], cursors[x].Row, keys[y], cursors[y].Row, node.Plan.Keys, node.KeyOps);
            return c != 0 ? c : x.CompareTo(y);
        }
    }
}
