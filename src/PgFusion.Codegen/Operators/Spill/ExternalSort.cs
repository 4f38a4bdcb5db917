using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The spilling side of <see cref="SortStream"/>: each time the buffered rows exceed the memory
/// budget they are sorted and written as one run (row columns, then sort-key columns); at the end
/// the runs are merged with a heap of run cursors (<see cref="SortedRunMerge"/>). Runs hold
/// consecutive stretches of the input, and ties go to the earlier run, so the merge keeps input
/// order among equal keys as the in-memory sort does. A limit (top-N) stops the merge early; WITH
/// TIES goes on while the keys equal the limit-th row's.
/// The merge holds one block and one stream buffer per run, both sized from the budget (about
/// <see cref="TargetFanIn"/> of them fit it). When more runs than fit are left, consecutive runs
/// are first merged into longer runs (as PostgreSQL's tuplesort merges in several passes when its
/// merge order is below the number of runs) until the rest fit in one final merge.
/// </summary>
internal sealed class ExternalSort
{
    /// <summary>How many runs' read buffers the budget is cut into when the runs' blocks are sized.</summary>
    public const int TargetFanIn = 64;

    /// <summary>The fewest rows in a run's block, whatever the budget (a block header and per-column flags go with each).</summary>
    public const int MinBlockRows = 16;

    private readonly SortNode node;
    private readonly ExecutionContext context;
    private readonly List<SpillFile> runs = [];
    private readonly Types.PgType[] types;
    private readonly Column[] staging;
    private readonly ColumnOps[] stagingOps;
    private readonly long budget;
    private readonly int readBufferBytes;
    private int blockRows;

    public ExternalSort(SortNode node, ExecutionContext context)
    {
        this.node = node;
        this.context = context;
        types = [.. node.Input.Output.Select(o => o.Type).Concat(node.Plan.Keys.Select(k => k.Expr.Type))];
        staging = [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
        stagingOps = [.. types.Select(ColumnOps.For)];
        budget = context.Spill.BudgetBytes;
        readBufferBytes = ReadBufferBytes(budget);
    }

    public int Runs => runs.Count;

    /// <summary>The stream buffer of each run file: its share of the budget at the target fan-in, a quarter of it (the block takes the rest).</summary>
    public static int ReadBufferBytes(long budget) =>
        (int)Math.Clamp(budget / (4L * TargetFanIn), SpillFile.MinBufferBytes, SpillFile.DefaultBufferBytes);

    /// <summary>Rows per block of a run, so that <see cref="TargetFanIn"/> blocks of rows of <paramref name="rowBytes"/> fit the budget.</summary>
    public static int BlockRows(long budget, long rowBytes) =>
        (int)Math.Clamp(budget / (TargetFanIn * Math.Max(1, rowBytes)), MinBlockRows, ExecutionContext.BatchRows);

    /// <summary>How many runs one merge may read at once: the budget over a run's block and stream buffer (at least 2).</summary>
    public static int FanIn(long budget, long largestBlockBytes, int readBuffer) =>
        (int)Math.Clamp(budget / Math.Max(1, largestBlockBytes + readBuffer), 2, int.MaxValue);

    /// <summary>Writes rows[order[0..count)] with their keys as a new run.</summary>
    public void AddRun(Column[] rows, Column[] keys, int[] order, int count)
    {
        if (count == 0) return;
        // blocks sized from the first run's bytes per row (rows and keys, as the file holds both)
        if (blockRows == 0) blockRows = BlockRows(budget, (ColumnMemory.Bytes(rows) + ColumnMemory.Bytes(keys)) / count);
        var file = context.Spill.Create(new(SpillOperator.Sort, node), readBufferBytes);
        runs.Add(file);
        int width = rows.Length;
        for (int start = 0; start < count; start += blockRows)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(blockRows, count - start);
            for (int j = 0; j < width; j++) ColumnGather.Gather(rows[j], order, start, n, staging[j], stagingOps[j]);
            for (int j = 0; j < keys.Length; j++) ColumnGather.Gather(keys[j], order, start, n, staging[width + j], stagingOps[width + j]);
            file.Write(staging, n);
        }
        file.Close(); // its stream buffer goes until the merge reads it
    }

    /// <summary>
    /// The merged rows of every run, at most <paramref name="limit"/> of them; with
    /// <paramref name="withTies"/> (FETCH FIRST n ROWS WITH TIES) also the rows after the n-th whose
    /// sort keys all equal its keys.
    /// </summary>
    public IEnumerable<RecordBatch> Merge(long limit, bool withTies = false)
    {
        using var gauge = context.Spill.Gauge(node);
        ReduceRuns(gauge, withTies ? long.MaxValue : limit);
        int width = node.Input.Output.Count;
        using var merge = new SortedRunMerge(runs, types, width, node, gauge, blockRows);
        var outputs = node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        var batch = new RecordBatch(outputs, 0);
        // WITH TIES: the keys of the limit-th row, copied (its run's cursor moves on)
        var lastKeys = withTies ? types[width..].Select(t => PgArrowMapping.CreateColumn(t, 1)).ToArray() : null;
        long emitted = 0;
        bool done = false;
        while (!done && (emitted < limit || withTies))
        {
            context.Cancellation.ThrowIfCancellationRequested();
            int n = emitted < limit ? (int)Math.Min(ExecutionContext.BatchRows, limit - emitted) : ExecutionContext.BatchRows;
            foreach (var c in outputs) Kernels.KernelColumns.Prepare(c, n);
            int k = 0;
            while (k < n && merge.TryPeek(out var cur, out var rowKeys))
            {
                if (emitted + k >= limit
                    && SortRowComparer.Compare(rowKeys, cur.Row, lastKeys!, 0, node.Plan.Keys, node.KeyOps) != 0)
                {
                    done = true; // the first row not tied with the limit-th one
                    break;
                }
                for (int j = 0; j < width; j++) stagingOps[j].Append(cur.Columns[j], cur.Row, outputs[j]);
                if (lastKeys is not null && emitted + k == limit - 1)
                {
                    for (int j = 0; j < lastKeys.Length; j++)
                    {
                        lastKeys[j].Reset();
                        stagingOps[width + j].Append(rowKeys[j], cur.Row, lastKeys[j]);
                    }
                }
                k++;
                merge.Pop();
            }
            emitted += k;
            if (k == 0) break;
            batch.Length = k;
            yield return batch;
        }
    }

    /// <summary>
    /// Merges consecutive runs into longer ones until the rest fit one merge within the budget. Each
    /// intermediate merge reads fewer runs than the fan-in (its output's block and stream buffer
    /// take the place of some), and merges only as many runs as needed, so the least is rewritten.
    /// Only the first <paramref name="limit"/> rows of a merged group can reach the output, so a
    /// top-N's intermediate runs keep no more.
    /// </summary>
    private void ReduceRuns(MemoryGauge gauge, long limit) =>
        ReduceRuns(runs, budget, readBufferBytes, group => MergeIntoRun(group, gauge, limit), context.Spill.CountSortMergePass);

    /// <summary>
    /// The pass loop both run mergers share (this sort and <see cref="AccumulatorRuns"/>): merges
    /// consecutive groups of <paramref name="runs"/> in place, each into one run through
    /// <paramref name="mergeIntoRun"/>, until the rest fit one merge of the budget's fan-in.
    /// </summary>
    internal static void ReduceRuns(List<SpillFile> runs, long budget, int readBufferBytes, Func<List<SpillFile>, SpillFile> mergeIntoRun, Action countPass)
    {
        long largest = runs.Max(r => r.LargestBlockBytes);
        int fanIn = FanIn(budget, largest, readBufferBytes);
        // an intermediate merge also holds its output: a staged block (its columns carry validity
        // bitmaps the file leaves out, so up to about twice a block) and the new run's stream buffer
        int passFanIn = FanIn(budget - 2 * largest - readBufferBytes, largest, readBufferBytes);
        int at = 0;
        while (runs.Count > fanIn)
        {
            if (at >= runs.Count - 1) at = 0;
            int group = Math.Min(Math.Min(passFanIn, runs.Count - fanIn + 1), runs.Count - at);
            var merged = mergeIntoRun(runs.GetRange(at, group));
            runs.RemoveRange(at, group);
            runs.Insert(at, merged);
            at++;
            countPass();
        }
    }

    /// <summary>Merges <paramref name="group"/> into one new run (blocks of the runs' size), deleting the group's files.</summary>
    private SpillFile MergeIntoRun(List<SpillFile> group, MemoryGauge gauge, long limit)
    {
        int width = node.Input.Output.Count;
        var file = context.Spill.Create(new(SpillOperator.Sort, node), readBufferBytes);
        using var merge = new SortedRunMerge(group, types, width, node, gauge, blockRows);
        gauge.Add(readBufferBytes);
        foreach (var c in staging) c.Reset(); // AddRun's last block
        long written = 0;
        long stagedBytes = 0;
        while (written < limit && merge.TryPeek(out var cur, out _))
        {
            context.Cancellation.ThrowIfCancellationRequested();
            for (int j = 0; j < types.Length; j++) stagingOps[j].Append(cur.Columns[j], cur.Row, staging[j]);
            merge.Pop();
            written++;
            if (staging[0].Length == blockRows)
            {
                stagedBytes = Flush(file, gauge, stagedBytes);
            }
        }
        stagedBytes = Flush(file, gauge, stagedBytes);
        file.Close();
        gauge.Add(-readBufferBytes - stagedBytes);
        return file;
    }

    private long Flush(SpillFile file, MemoryGauge gauge, long stagedBytes) => FlushStaged(staging, file, gauge, stagedBytes);

    /// <summary>Writes the staged rows as a block of <paramref name="file"/>; the staged block's bytes, reported to the gauge (a block's worth stays allocated).</summary>
    internal static long FlushStaged(Column[] staging, SpillFile file, MemoryGauge gauge, long stagedBytes)
    {
        int n = staging[0].Length;
        if (n == 0) return stagedBytes;
        long bytes = ColumnMemory.Bytes(staging);
        gauge.Add(bytes - stagedBytes);
        file.Write(staging, n);
        foreach (var c in staging) c.Reset();
        return bytes;
    }
}
