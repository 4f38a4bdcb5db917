using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Sorting;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// Runtime of <see cref="SortNode"/>. Input batches are appended to row columns a batch at a time
/// (keys that are plain columns are read from them, others are evaluated into key columns), the
/// rows are ordered by <see cref="KeySort"/> and gathered into output batches by the permutation.
/// A top-N (a LIMIT of at most <see cref="MaxTopN"/>) buffers through <see cref="TopNBuffer"/>:
/// bounded, rows after its current N-th dropped before they are copied; over a parallel pipeline
/// each thread keeps a buffer of its own, merged in input order at the end. Rows past the memory
/// budget (the sort's own arrays counted) go to sorted runs on disk, merged at the end
/// (<see cref="ExternalSort"/>).
/// </summary>
internal sealed class SortStream(SortNode node, Func<IBatchSource> openInput, ExecutionContext context) : IBatchSource
{
    /// <summary>The largest LIMIT that runs as a bounded top-N (larger ones sort everything).</summary>
    public const int MaxTopN = int.MaxValue / 4;

    /// <summary>The largest LIMIT whose top-N runs a buffer per thread of a parallel pipeline.</summary>
    public const int MaxParallelTopN = 1 << 15;

    private Column[]? rows;
    private Column[]? keys;
    private ColumnOps[]? rowOps;
    private int[]? order;
    private int total;
    private int emitted;
    private Column[]? outputs;
    private RecordBatch? batch;
    private IEnumerator<RecordBatch>? merged;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        // LIMIT 0: PostgreSQL's Limit never runs its input, so errors the input would raise never happen.
        if (node.Plan.Limit == 0) return null;
        if (order is null && merged is null) Consume(cancellation);
        if (merged is not null) return merged.MoveNext() ? merged.Current : null;
        if (emitted >= total) return null;
        outputs ??= node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        int n = Math.Min(ExecutionContext.BatchRows, total - emitted);
        for (int j = 0; j < outputs.Length; j++) ColumnGather.Gather(rows![j], order, emitted, n, outputs[j], rowOps![j]);
        emitted += n;
        batch.Length = n;
        return batch;
    }

    private static Column[] Buffers(IEnumerable<Planner.Physical.OutputColumn> types) => types.Select(t =>
    {
        var c = PgArrowMapping.CreateColumn(t.Type, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    }).ToArray();

    private Column[] KeyColumns(Column[] rowColumns, Planner.Physical.OutputColumn[] keyTypes) =>
        node.KeySources is { } sources ? [.. sources.Select(s => rowColumns[s])] : Buffers(keyTypes);

    private void Consume(CancellationToken cancellation)
    {
        // WITH TIES sorts everything (the bounded top-N buffer drops tied rows past the N-th); past the
        // budget it spills runs like a full sort, and the merge keeps the rows tied with the N-th.
        bool ties = node.Plan.WithTies;
        if (node.Plan.Limit is { } l && l <= MaxTopN && !ties)
        {
            ConsumeTopN((int)l, cancellation);
            return;
        }
        var input = openInput();
        var inputOutput = node.Input.Output;
        rows = Buffers(inputOutput);
        rowOps = inputOutput.Select(o => ColumnOps.For(o.Type)).ToArray();
        var keyTypes = node.Plan.Keys.Select(k => new Planner.Physical.OutputColumn("key", k.Expr.Type)).ToArray();
        keys = KeyColumns(rows, keyTypes);
        bool evaluate = node.KeySources is null;
        var evaluated = evaluate ? keyTypes.Select(t => PgArrowMapping.CreateColumn(t.Type, ExecutionContext.BatchRows)).ToArray() : [];
        var keyOps = node.KeyOps;
        long budget = context.Spill.BudgetBytes;
        long scratchPerRow = TopNBuffer.ScratchBytesPerRow(node.Plan.Keys.Select(k => k.Expr.Type));
        ExternalSort? external = null;
        using var gauge = context.Spill.Limited ? context.Spill.Gauge(node) : null;
        long held = 0;
        while (input.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            int live = b.LiveRows;
            if (evaluate) ProjectStream.Run(node.KeyKernel, b, evaluated, context);
            // a run goes out before the batch would take the rows past the budget, so they stay within it
            if (gauge is not null && total > 0
                && held + IncomingBytes(b, live, evaluate ? evaluated : null) + scratchPerRow * live > budget)
            {
                external ??= new ExternalSort(node, context);
                external.AddRun(rows, keys, SortedOrder(), total);
                foreach (var c in rows.Concat(keys)) c.Reset();
                total = 0;
            }
            for (int j = 0; j < rows.Length; j++) ColumnGather.Append(b.Columns[j], b.Selection, 0, live, rows[j], rowOps[j]);
            if (evaluate)
            {
                for (int j = 0; j < keys.Length; j++) ColumnGather.Append(evaluated[j], null, 0, live, keys[j], keyOps[j]);
            }
            total += live;
            if (gauge is not null)
            {
                held = ColumnMemory.Bytes(rows) + (evaluate ? ColumnMemory.Bytes(keys) : 0) + scratchPerRow * total;
                gauge.Set(held);
            }
        }
        if (external is not null)
        {
            if (total > 0) external.AddRun(rows, keys, SortedOrder(), total);
            gauge?.Set(0);
            rows = keys = null;
            merged = external.Merge(node.Plan.Limit ?? long.MaxValue, ties).GetEnumerator();
            return;
        }
        order = SortedOrder();
        if (node.Plan.Limit is { } limit && limit < total) total = ties ? WithTies((int)limit) : (int)limit;
    }

    /// <summary>
    /// About the bytes the batch's <paramref name="live"/> rows (and their evaluated keys) take once
    /// appended: each column's bytes scaled to the rows the selection keeps.
    /// </summary>
    private static long IncomingBytes(RecordBatch b, int live, Column[]? evaluatedKeys)
    {
        long bytes = 0;
        foreach (var c in b.Columns) bytes += c.Length == 0 ? 0 : ColumnMemory.Bytes(c) * live / c.Length;
        if (evaluatedKeys is not null) bytes += ColumnMemory.Bytes(evaluatedKeys);
        return bytes;
    }

    /// <summary>The first <paramref name="limit"/> sorted rows (limit &gt; 0) and those after them whose keys all equal the last one's.</summary>
    private int WithTies(int limit)
    {
        int end = limit;
        while (end < total && SortRowComparer.Compare(keys!, order![limit - 1], keys!, order[end], node.Plan.Keys, node.KeyOps) == 0) end++;
        return end;
    }


    /// <summary>
    /// Top-N: through one bounded buffer on this thread, or, over a parallel pipeline, one per
    /// partition thread (each bounded to its share of the memory budget), whose survivors merge in
    /// input order; then the usual sort of the buffered rows and its first N.
    /// </summary>
    private void ConsumeTopN(int limit, CancellationToken cancellation)
    {
        rowOps = node.Input.Output.Select(o => ColumnOps.For(o.Type)).ToArray();
        if (limit <= MaxParallelTopN && ParallelPipeline.Qualifies(node.Input, context) && ParallelPipeline.ScanPages(node.Input) >= ParallelGatherStream.MinPages)
        {
            if (ParallelPipeline.Open(node.Input, context, "top-N per thread") is { } pipeline)
            {
                ConsumeParallelTopN(pipeline, limit, cancellation);
                return;
            }
            // a build went over the budget: the joins stay prepared in the context, the pipeline runs here
        }
        var input = openInput();
        var buffer = new TopNBuffer(node, context, limit, trackOrigins: false);
        long budget = context.Spill.BudgetBytes;
        ExternalSort? external = null;
        while (input.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            buffer.Add(b, 0);
            if (context.Spill.Limited && buffer.Bytes > budget)
            {
                external ??= new ExternalSort(node, context);
                external.AddRun(buffer.Rows, buffer.Keys, KeySort.Order(buffer.Keys, buffer.Total, node.Plan.Keys, node.KeyOps), buffer.Total);
                buffer.Reset();
            }
        }
        if (external is not null)
        {
            if (buffer.Total > 0) external.AddRun(buffer.Rows, buffer.Keys, KeySort.Order(buffer.Keys, buffer.Total, node.Plan.Keys, node.KeyOps), buffer.Total);
            merged = external.Merge(limit).GetEnumerator();
            return;
        }
        Finish(buffer.Rows, buffer.Keys, buffer.Total, limit);
    }

    private void ConsumeParallelTopN(ParallelPipeline pipeline, int limit, CancellationToken cancellation)
    {
        int degree = pipeline.Degree;
        var buffers = new TopNBuffer[degree];
        var inputs = new IBatchSource[degree];
        var sequence = new long[degree];
        for (int i = 0; i < degree; i++)
        {
            int k = i;
            var own = pipeline.Partition(s => sequence[k] = s, out _);
            inputs[i] = node.Input.Open(own);
            buffers[i] = new TopNBuffer(node, own, limit, trackOrigins: true);
        }
        long share = context.Spill.Limited ? Math.Max(1, context.Spill.BudgetBytes / degree) : long.MaxValue;
        pipeline.Run(i =>
        {
            var buffer = buffers[i];
            long current = -1, offset = 0;
            while (!pipeline.Failed && inputs[i].Next(cancellation) is { } b)
            {
                cancellation.ThrowIfCancellationRequested();
                // the batch belongs to the scan batch the partition took last: its origin is that batch's sequence and the rows before it
                if (sequence[i] != current)
                {
                    current = sequence[i];
                    offset = 0;
                }
                buffer.Add(b, (current << 32) + offset);
                offset += b.LiveRows;
                // over its share of the budget a buffer cuts back to N rows early (it never holds fewer)
                if (buffer.Bytes > share && buffer.Total > limit) buffer.Compact();
            }
            if (buffer.Total > limit) buffer.Compact();
        });
        // the survivors of every thread, in input order: the stable sort then gives the serial order of ties
        var all = new List<(long Origin, int Buffer, int Row)>();
        for (int p = 0; p < degree; p++)
        {
            for (int r = 0; r < buffers[p].Total; r++) all.Add((buffers[p].Origins![r], p, r));
        }
        all.Sort((x, y) => x.Origin.CompareTo(y.Origin));
        var mergedRows = node.Input.Output.Select(o =>
        {
            var c = PgArrowMapping.CreateColumn(o.Type, Math.Max(all.Count, 1));
            c.EnsureValidity(Math.Max(all.Count, 1));
            return c;
        }).ToArray();
        bool evaluate = node.KeySources is null;
        var mergedKeys = evaluate
            ? node.Plan.Keys.Select(k =>
            {
                var c = PgArrowMapping.CreateColumn(k.Expr.Type, Math.Max(all.Count, 1));
                c.EnsureValidity(Math.Max(all.Count, 1));
                return c;
            }).ToArray()
            : [.. node.KeySources!.Select(s => mergedRows[s])];
        foreach (var (_, p, r) in all)
        {
            var from = buffers[p];
            for (int j = 0; j < mergedRows.Length; j++) rowOps![j].Append(from.Rows[j], r, mergedRows[j]);
            if (evaluate)
            {
                for (int j = 0; j < mergedKeys.Length; j++) node.KeyOps[j].Append(from.Keys[j], r, mergedKeys[j]);
            }
        }
        Finish(mergedRows, mergedKeys, all.Count, limit);
    }

    private void Finish(Column[] rowColumns, Column[] keyColumns, int count, int limit)
    {
        rows = rowColumns;
        keys = keyColumns;
        total = count;
        order = SortedOrder();
        if (limit < total) total = limit;
    }

    /// <summary>Row numbers 0..total-1 of the buffered rows in ORDER BY order (ties keep input order).</summary>
    private int[] SortedOrder() => KeySort.Order(keys!, total, node.Plan.Keys, node.KeyOps);
}
