using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// Sorted runs of the rows an aggregate buffers per group (agg(DISTINCT ...), agg(... ORDER BY ...)):
/// past the budget the accumulator sorts what it holds by (group, keys) and writes it here as one
/// run; before the first result the runs are merged with a heap of run cursors. Ties go to the
/// earlier run, so rows with equal keys keep input order when each run is sorted stably, as
/// <see cref="ExternalSort"/> does.
/// </summary>
internal sealed class AccumulatorRuns
{
    private readonly List<SpillFile> runs = [];
    private readonly PgType[] types;
    private readonly Column[] staging;
    private readonly ColumnOps[] ops;
    private readonly ExecutionContext context;
    private readonly SpillOwner owner;

    /// <param name="node">The aggregate whose accumulator writes the runs (EXPLAIN ANALYZE's figures by node).</param>
    public AccumulatorRuns(IReadOnlyList<PgType> types, ExecutionContext context, OperatorNode? node)
    {
        owner = new SpillOwner(SpillOperator.AggregateRuns, node);
        this.types = [.. types];
        this.context = context;
        staging = [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
        ops = [.. types.Select(ColumnOps.For)];
    }

    public int Count => runs.Count;

    /// <summary>Writes rows[order[0..count)] (columns of the runs' types) as a new run.</summary>
    public void Write(Column[] rows, int[] order, int count)
    {
        var file = context.Spill.Create(owner);
        runs.Add(file);
        for (int start = 0; start < count; start += ExecutionContext.BatchRows)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(ExecutionContext.BatchRows, count - start);
            for (int j = 0; j < rows.Length; j++) ColumnGather.Gather(rows[j], order, start, n, staging[j], ops[j]);
            file.Write(staging, n);
        }
    }

    /// <summary>
    /// The rows of every run in <paramref name="compare"/> order (ties: earlier run first). Each
    /// (columns, row) is valid until the enumeration moves on; every file is deleted at the end.
    /// </summary>
    public IEnumerable<(Column[] Columns, int Row)> Merge(Func<Column[], int, Column[], int, int> compare)
    {
        var cursors = new SpillRunCursor[runs.Count];
        var heap = new PriorityQueue<int, int>(Comparer<int>.Create((x, y) =>
        {
            int c = compare(cursors[x].Columns, cursors[x].Row, cursors[y].Columns, cursors[y].Row);
            return c != 0 ? c : x.CompareTo(y);
        }));
        for (int r = 0; r < runs.Count; r++)
        {
            cursors[r] = new SpillRunCursor(runs[r], [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))]);
            if (cursors[r].Advance()) heap.Enqueue(r, r);
        }
        try
        {
            while (heap.TryDequeue(out int run, out _))
            {
                context.Cancellation.ThrowIfCancellationRequested();
                var cur = cursors[run];
                yield return (cur.Columns, cur.Row);
                if (cur.Advance()) heap.Enqueue(run, run);
                else runs[run].Dispose();
            }
        }
        finally
        {
            foreach (var f in runs) f.Dispose();
            runs.Clear();
        }
    }
}
