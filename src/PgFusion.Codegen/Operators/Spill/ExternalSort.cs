using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The spilling side of <see cref="SortStream"/>: each time the buffered rows exceed the memory
/// budget they are sorted and written as one run (row columns, then sort-key columns); at the end
/// the runs are merged with a heap of run cursors. Runs hold consecutive stretches of the input, and
/// ties go to the earlier run, so the merge keeps input order among equal keys as the in-memory sort does.
/// A limit (top-N) stops the merge early.
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
        var file = context.Spill.Create();
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

    /// <summary>The merged rows of every run, at most <paramref name="limit"/> of them.</summary>
    public IEnumerable<RecordBatch> Merge(long limit)
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
        long emitted = 0;
        while (heap.Count > 0 && emitted < limit)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            int n = (int)Math.Min(ExecutionContext.BatchRows, limit - emitted);
            foreach (var c in outputs) Kernels.KernelColumns.Prepare(c, n);
            int k = 0;
            while (k < n && heap.TryDequeue(out int run, out _))
            {
                var cur = cursors[run];
                for (int j = 0; j < width; j++) stagingOps[j].Append(cur.Columns[j], cur.Row, outputs[j]);
                k++;
                if (cur.Advance()) heap.Enqueue(run, run);
                else runs[run].Dispose();
            }
            emitted += k;
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
