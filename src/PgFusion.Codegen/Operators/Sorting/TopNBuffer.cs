using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Sorting;

/// <summary>
/// The bounded buffer of a top-N (ORDER BY ... LIMIT N): input rows are appended a batch at a
/// time and, each time the buffer reaches <see cref="CompactRows"/> rows, sorted and cut back to
/// its first N rows (ties in input order). Once the buffer holds N rows, its N-th row is the
/// threshold: an incoming row whose keys compare at or after it (<see cref="SortRowComparer"/>, the
/// full ORDER BY comparison) cannot be among the first N, since it comes later in input order
/// than every buffered row, and is dropped before it is copied. Each buffered row can carry its
/// origin (its position in the whole input, a parallel top-N's scan sequence and row), so that the
/// partitions' buffers of a parallel top-N merge back into input order.
/// </summary>
internal sealed class TopNBuffer
{
    /// <summary>The buffer size at which a top-N of a small N sorts and cuts its rows.</summary>
    public const int MinCompactRows = 4096;

    private readonly SortNode node;
    private readonly ExecutionContext context;
    private readonly int limit;
    private readonly bool evaluate;
    private readonly Column[] evaluated;
    private readonly ColumnOps[] rowOps;
    private readonly Planner.Physical.OutputColumn[] keyTypes;
    private readonly int scratchPerRow;
    private long[]? origins;
    private int[] physical = [];
    private int[] dense = [];
    private bool threshold;

    public TopNBuffer(SortNode node, ExecutionContext context, int limit, bool trackOrigins)
    {
        this.node = node;
        this.context = context;
        this.limit = limit;
        evaluate = node.KeySources is null;
        keyTypes = [.. node.Plan.Keys.Select(k => new Planner.Physical.OutputColumn("key", k.Expr.Type))];
        evaluated = evaluate ? [.. keyTypes.Select(t => PgArrowMapping.CreateColumn(t.Type, ExecutionContext.BatchRows))] : [];
        rowOps = [.. node.Input.Output.Select(o => ColumnOps.For(o.Type))];
        scratchPerRow = ScratchBytesPerRow(node.Plan.Keys.Select(k => k.Expr.Type));
        CompactRows = Math.Max(2L * limit, MinCompactRows);
        if (trackOrigins) origins = new long[ExecutionContext.BatchRows];
        Rows = Buffers(node.Input.Output);
        Keys = KeyColumns(Rows);
    }

    /// <summary>The buffered rows (input columns).</summary>
    public Column[] Rows { get; private set; }

    /// <summary>The buffered rows' sort keys (the row columns themselves when every key is a plain column).</summary>
    public Column[] Keys { get; private set; }

    /// <summary>Rows buffered.</summary>
    public int Total { get; private set; }

    /// <summary>Each buffered row's origin (with origins tracked).</summary>
    public long[]? Origins => origins;

    public long CompactRows { get; }

    /// <summary>
    /// Bytes the buffer holds (rows, evaluated keys, origins) plus the transient arrays a sort of
    /// it allocates (<see cref="ScratchBytesPerRow"/>): what it counts against the memory budget.
    /// </summary>
    public long Bytes => ColumnMemory.Bytes(Rows) + (evaluate ? ColumnMemory.Bytes(Keys) : 0) + ((long)Total * (scratchPerRow + (origins is null ? 0 : 8)));

    /// <summary>
    /// The arrays <see cref="KeySort.Order"/> allocates per row while it sorts: the permutation and
    /// its spare, the word being sorted and its spare (24 bytes), the result (4), and per key its
    /// ordinals and packed words (8 + 8 bytes; a text key up to a NULL bit and two prefix words).
    /// </summary>
    public static int ScratchBytesPerRow(IEnumerable<PgType> keyTypes)
    {
        int bytes = 28;
        foreach (var t in keyTypes)
        {
            bool text = t.Oid is PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar;
            bytes += text ? 48 : 16;
        }
        return bytes;
    }

    /// <summary>Adds the live rows of <paramref name="batch"/>; row k's origin is <paramref name="origin"/> + k.</summary>
    public void Add(RecordBatch batch, long origin)
    {
        int live = batch.LiveRows;
        if (live == 0) return;
        if (evaluate) ProjectStream.Run(node.KeyKernel, batch, evaluated, context);
        int[]? rowSelection = batch.Selection;
        int[]? keySelection = null;
        int count = live;
        if (threshold)
        {
            count = Survivors(batch, live);
            if (count == 0) return;
            rowSelection = physical;
            keySelection = dense;
        }
        for (int j = 0; j < Rows.Length; j++) ColumnGather.Append(batch.Columns[j], rowSelection, 0, count, Rows[j], rowOps[j]);
        if (evaluate)
        {
            for (int j = 0; j < Keys.Length; j++) ColumnGather.Append(evaluated[j], keySelection, 0, count, Keys[j], node.KeyOps[j]);
        }
        if (origins is not null)
        {
            if (origins.Length < Total + count) Array.Resize(ref origins, Math.Max(origins.Length * 2, Total + count));
            for (int k = 0; k < count; k++) origins[Total + k] = origin + (keySelection is null ? k : keySelection[k]);
        }
        Total += count;
        if (Total >= CompactRows) Compact();
    }

    /// <summary>
    /// The rows of the batch that come before the threshold row: their batch rows into
    /// <see cref="physical"/>, their live-row numbers into <see cref="dense"/>; returns how many.
    /// </summary>
    private int Survivors(RecordBatch batch, int live)
    {
        if (physical.Length < live)
        {
            physical = new int[Math.Max(live, ExecutionContext.BatchRows)];
            dense = new int[physical.Length];
        }
        Column[] batchKeys;
        if (evaluate)
        {
            batchKeys = evaluated;
        }
        else
        {
            var sources = node.KeySources!;
            batchKeys = new Column[sources.Length];
            for (int j = 0; j < sources.Length; j++) batchKeys[j] = batch.Columns[sources[j]];
        }
        var selection = batch.Selection;
        var sortKeys = node.Plan.Keys;
        var ops = node.KeyOps;
        var keys = Keys;
        int at = limit - 1, n = 0;
        for (int i = 0; i < live; i++)
        {
            int row = selection is null ? i : selection[i];
            if (SortRowComparer.Compare(batchKeys, evaluate ? i : row, keys, at, sortKeys, ops) >= 0) continue;
            physical[n] = row;
            dense[n] = i;
            n++;
        }
        return n;
    }

    /// <summary>Sorts the buffer and keeps its first N rows, in ORDER BY order; they set the threshold.</summary>
    public void Compact()
    {
        var sorted = KeySort.Order(Keys, Total, node.Plan.Keys, node.KeyOps);
        int keep = Math.Min(limit, Total);
        var keptRows = Buffers(node.Input.Output);
        for (int j = 0; j < Rows.Length; j++) ColumnGather.Append(Rows[j], sorted, 0, keep, keptRows[j], rowOps[j]);
        var keptKeys = KeyColumns(keptRows);
        if (evaluate)
        {
            for (int j = 0; j < Keys.Length; j++) ColumnGather.Append(Keys[j], sorted, 0, keep, keptKeys[j], node.KeyOps[j]);
        }
        if (origins is not null)
        {
            var keptOrigins = new long[Math.Max(keep, ExecutionContext.BatchRows)];
            for (int k = 0; k < keep; k++) keptOrigins[k] = origins[sorted[k]];
            origins = keptOrigins;
        }
        Rows = keptRows;
        Keys = keptKeys;
        Total = keep;
        threshold = keep == limit && limit > 0;
    }

    /// <summary>Empties the buffer (its rows went to a spill run); the threshold goes with them.</summary>
    public void Reset()
    {
        foreach (var c in Rows.Concat(evaluate ? Keys : [])) c.Reset();
        Total = 0;
        threshold = false;
    }

    private static Column[] Buffers(IEnumerable<Planner.Physical.OutputColumn> types) => types.Select(t =>
    {
        var c = PgArrowMapping.CreateColumn(t.Type, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    }).ToArray();

    private Column[] KeyColumns(Column[] rowColumns) =>
        node.KeySources is { } sources ? [.. sources.Select(s => rowColumns[s])] : Buffers(keyTypes);
}
