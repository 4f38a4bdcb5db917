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
/// <para>
/// The merge is bounded as the external sort's (docs/spill.md): a run is written in blocks sized so
/// that about <see cref="ExternalSort.TargetFanIn"/> of them fit the budget, through a stream buffer
/// of budget / 256, and closed until the merge reads it; when more runs are left than the budget
/// can read at once, consecutive runs are first merged into longer runs (merging consecutive runs
/// keeps ties in input order; a DISTINCT run's repeats across runs meet at the final merge, whose
/// reader drops a tuple equal to the one before it). What the merge holds (each run's block and
/// stream buffer, an intermediate merge's output block and buffer) goes to the node's gauge.
/// </para>
/// </summary>
internal sealed class AccumulatorRuns
{
    private readonly List<SpillFile> runs = [];
    private readonly PgType[] types;
    private readonly Column[] staging;
    private readonly ColumnOps[] ops;
    private readonly ExecutionContext context;
    private readonly SpillOwner owner;
    private readonly OperatorNode? node;
    private readonly long budget;
    private readonly int readBufferBytes;
    private int blockRows;

    /// <param name="node">The aggregate whose accumulator writes the runs (EXPLAIN ANALYZE's figures by node).</param>
    public AccumulatorRuns(IReadOnlyList<PgType> types, ExecutionContext context, OperatorNode? node)
    {
        owner = new SpillOwner(SpillOperator.AggregateRuns, node);
        this.node = node;
        this.types = [.. types];
        this.context = context;
        staging = [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
        ops = [.. types.Select(ColumnOps.For)];
        budget = context.Spill.BudgetBytes;
        readBufferBytes = ExternalSort.ReadBufferBytes(budget);
    }

    public int Count => runs.Count;

    /// <summary>How many intermediate merges ran (runs merged into a longer run before the final merge).</summary>
    public int MergePasses { get; private set; }

    /// <summary>Writes rows[order[0..count)] (columns of the runs' types) as a new run.</summary>
    public void Write(Column[] rows, int[] order, int count)
    {
        if (count == 0) return;
        // blocks sized from the first run's bytes per row, so that about TargetFanIn of them fit the budget
        if (blockRows == 0) blockRows = ExternalSort.BlockRows(budget, ColumnMemory.Bytes(rows) / Math.Max(1, rows[0].Length));
        var file = context.Spill.Create(owner, readBufferBytes);
        runs.Add(file);
        for (int start = 0; start < count; start += blockRows)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(blockRows, count - start);
            for (int j = 0; j < rows.Length; j++) ColumnGather.Gather(rows[j], order, start, n, staging[j], ops[j]);
            file.Write(staging, n);
        }
        file.Close(); // its stream buffer goes until the merge reads it
    }

    /// <summary>
    /// The rows of every run in <paramref name="compare"/> order (ties: earlier run first). Each
    /// (columns, row) is valid until the enumeration moves on; every file is deleted at the end.
    /// </summary>
    public IEnumerable<(Column[] Columns, int Row)> Merge(Func<Column[], int, Column[], int, int> compare)
    {
        using var gauge = context.Spill.Gauge(node);
        try
        {
            ReduceRuns(compare, gauge);
            foreach (var row in MergeRuns(runs, compare, gauge)) yield return row;
        }
        finally
        {
            foreach (var f in runs) f.Dispose();
            runs.Clear();
        }
    }

    /// <summary>Merges consecutive runs into longer ones until the rest fit one merge within the budget (<see cref="ExternalSort.ReduceRuns(List{SpillFile}, long, int, Func{List{SpillFile}, SpillFile}, Action)"/>).</summary>
    private void ReduceRuns(Func<Column[], int, Column[], int, int> compare, MemoryGauge gauge)
    {
        if (runs.Count < 2) return;
        ExternalSort.ReduceRuns(runs, budget, readBufferBytes, group => MergeIntoRun(group, compare, gauge), () =>
        {
            MergePasses++;
            context.Spill.CountAggregateRunsMergePass();
        });
    }

    /// <summary>Merges <paramref name="group"/> into one new run (blocks of the runs' size), deleting the group's files.</summary>
    private SpillFile MergeIntoRun(List<SpillFile> group, Func<Column[], int, Column[], int, int> compare, MemoryGauge gauge)
    {
        var file = context.Spill.Create(owner, readBufferBytes);
        gauge.Add(readBufferBytes);
        foreach (var c in staging) c.Reset();
        long stagedBytes = 0;
        foreach (var (columns, row) in MergeRuns(group, compare, gauge))
        {
            for (int j = 0; j < types.Length; j++) ops[j].Append(columns[j], row, staging[j]);
            if (staging[0].Length == blockRows) stagedBytes = ExternalSort.FlushStaged(staging, file, gauge, stagedBytes);
        }
        stagedBytes = ExternalSort.FlushStaged(staging, file, gauge, stagedBytes);
        file.Close();
        gauge.Add(-readBufferBytes - stagedBytes);
        return file;
    }

    /// <summary>A heap merge of <paramref name="group"/> (ties: earlier run first); each run's file is deleted once it is read to its end.</summary>
    private IEnumerable<(Column[] Columns, int Row)> MergeRuns(List<SpillFile> group, Func<Column[], int, Column[], int, int> compare, MemoryGauge gauge)
    {
        var cursors = new SpillRunCursor[group.Count];
        var heap = new PriorityQueue<int, int>(Comparer<int>.Create((x, y) =>
        {
            int c = compare(cursors[x].Columns, cursors[x].Row, cursors[y].Columns, cursors[y].Row);
            return c != 0 ? c : x.CompareTo(y);
        }));
        try
        {
            for (int r = 0; r < group.Count; r++)
            {
                cursors[r] = new SpillRunCursor(group[r], [.. types.Select(t => PgArrowMapping.CreateColumn(t, blockRows))], gauge);
                if (cursors[r].Advance()) heap.Enqueue(r, r);
                else group[r].Dispose();
            }
            while (heap.TryDequeue(out int run, out _))
            {
                context.Cancellation.ThrowIfCancellationRequested();
                var cur = cursors[run];
                yield return (cur.Columns, cur.Row);
                if (cur.Advance()) heap.Enqueue(run, run);
                else group[run].Dispose();
            }
        }
        finally
        {
            foreach (var c in cursors) c?.Release();
            foreach (var f in group) f.Dispose();
        }
    }
}
