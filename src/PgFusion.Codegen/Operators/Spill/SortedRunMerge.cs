using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The k-way merge of an external sort's runs: a heap of run cursors ordered by the sort keys
/// (the columns from <c>keyOffset</c> on), ties to the earlier run, so runs of consecutive input
/// stretches merge stably. <see cref="TryPeek"/> shows the next row's cursor, <see cref="Pop"/>
/// moves past it; a finished run's file is deleted. Each cursor holds one block of its run
/// (read with <c>blockRows</c> of capacity) and the run's stream buffer, reported to the gauge.
/// </summary>
internal sealed class SortedRunMerge : IDisposable
{
    private readonly IReadOnlyList<SpillFile> runs;
    private readonly SpillRunCursor[] cursors;
    private readonly Column[][] keys;
    private readonly PriorityQueue<int, int> heap;

    public SortedRunMerge(IReadOnlyList<SpillFile> runs, IReadOnlyList<Types.PgType> types, int keyOffset, SortNode node, MemoryGauge gauge, int blockRows)
    {
        this.runs = runs;
        cursors = new SpillRunCursor[runs.Count];
        keys = new Column[runs.Count][];
        heap = new PriorityQueue<int, int>(new RunOrder(cursors, keys, node));
        for (int r = 0; r < runs.Count; r++)
        {
            cursors[r] = new SpillRunCursor(runs[r], [.. types.Select(t => PgArrowMapping.CreateColumn(t, blockRows))], gauge);
            keys[r] = cursors[r].Columns[keyOffset..];
            if (cursors[r].Advance()) heap.Enqueue(r, r);
        }
    }

    /// <summary>The cursor at the next row in order (its <see cref="SpillRunCursor.Row"/>), and that row's sort-key columns.</summary>
    public bool TryPeek(out SpillRunCursor cursor, out Column[] rowKeys)
    {
        if (heap.TryPeek(out int run, out _))
        {
            cursor = cursors[run];
            rowKeys = keys[run];
            return true;
        }
        cursor = null!;
        rowKeys = null!;
        return false;
    }

    /// <summary>Moves past the row <see cref="TryPeek"/> showed.</summary>
    public void Pop()
    {
        int run = heap.Dequeue();
        if (cursors[run].Advance()) heap.Enqueue(run, run);
        else runs[run].Dispose();
    }

    /// <summary>Deletes every run's file (also those not read to the end: a top-N stops early).</summary>
    public void Dispose()
    {
        foreach (var f in runs) f.Dispose();
        while (heap.TryDequeue(out int run, out _)) cursors[run].Release();
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
