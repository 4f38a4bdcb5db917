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
/// A top-N keeps only its first N rows each time the buffer reaches twice that (and at least
/// <see cref="TopNCompactRows"/>). Rows past the memory budget go to sorted runs on disk, merged
/// at the end (<see cref="ExternalSort"/>).
/// </summary>
internal sealed class SortStream(SortNode node, IBatchSource input, ExecutionContext context) : IBatchSource
{
    private const int TopNCompactRows = 1 << 16;

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
        var inputOutput = node.Input.Output;
        rows = Buffers(inputOutput);
        rowOps = inputOutput.Select(o => ColumnOps.For(o.Type)).ToArray();
        var keyTypes = node.Plan.Keys.Select(k => new Planner.Physical.OutputColumn("key", k.Expr.Type)).ToArray();
        keys = KeyColumns(rows, keyTypes);
        bool evaluate = node.KeySources is null;
        var evaluated = evaluate ? keyTypes.Select(t => PgArrowMapping.CreateColumn(t.Type, ExecutionContext.BatchRows)).ToArray() : [];
        var keyOps = node.KeyOps;
        long budget = context.Spill.BudgetBytes;
        long compactAt = node.Plan.Limit is { } l && l <= int.MaxValue / 4 ? Math.Max(2 * l, TopNCompactRows) : long.MaxValue;
        ExternalSort? external = null;
        while (input.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            int live = b.LiveRows;
            if (evaluate) ProjectStream.Run(node.KeyKernel, b, evaluated, context);
            for (int j = 0; j < rows.Length; j++) ColumnGather.Append(b.Columns[j], b.Selection, 0, live, rows[j], rowOps[j]);
            if (evaluate)
            {
                for (int j = 0; j < keys.Length; j++) ColumnGather.Append(evaluated[j], null, 0, live, keys[j], keyOps[j]);
            }
            total += live;
            if (total >= compactAt) Compact((int)node.Plan.Limit!.Value, keyTypes);
            if (context.Spill.Limited && ColumnMemory.Bytes(rows) + (evaluate ? ColumnMemory.Bytes(keys) : 0) + 4L * total > budget)
            {
                external ??= new ExternalSort(node, context);
                external.AddRun(rows, keys, SortedOrder(), total);
                foreach (var c in rows.Concat(keys)) c.Reset();
                total = 0;
            }
        }
        if (external is not null)
        {
            if (total > 0) external.AddRun(rows, keys, SortedOrder(), total);
            rows = keys = null;
            merged = external.Merge(node.Plan.Limit ?? long.MaxValue).GetEnumerator();
            return;
        }
        order = SortedOrder();
        if (node.Plan.Limit is { } limit && limit < total) total = (int)limit;
    }

    /// <summary>Top-N: keeps the first <paramref name="limit"/> rows in ORDER BY order (ties in input order), in input order's place.</summary>
    private void Compact(int limit, Planner.Physical.OutputColumn[] keyTypes)
    {
        var sorted = SortedOrder();
        int keep = Math.Min(limit, total);
        var keptRows = Buffers(node.Input.Output);
        for (int j = 0; j < rows!.Length; j++) ColumnGather.Append(rows[j], sorted, 0, keep, keptRows[j], rowOps![j]);
        Column[] keptKeys = KeyColumns(keptRows, keyTypes);
        if (node.KeySources is null)
        {
            for (int j = 0; j < keys!.Length; j++) ColumnGather.Append(keys[j], sorted, 0, keep, keptKeys[j], node.KeyOps[j]);
        }
        rows = keptRows;
        keys = keptKeys;
        total = keep;
    }

    /// <summary>Row numbers 0..total-1 of the buffered rows in ORDER BY order (ties keep input order).</summary>
    private int[] SortedOrder() => KeySort.Order(keys!, total, node.Plan.Keys, node.KeyOps);
}
