using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// Runtime of <see cref="SortNode"/>. Rows past the memory budget go to sorted runs on disk,
/// merged at the end (<see cref="ExternalSort"/>).
/// </summary>
internal sealed class SortStream(SortNode node, IBatchSource input, ExecutionContext context) : IBatchSource
{
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
        foreach (var c in outputs) Kernels.KernelColumns.Prepare(c, n);
        for (int r = emitted; r < emitted + n; r++)
        {
            for (int j = 0; j < outputs.Length; j++) rowOps![j].Append(rows![j], order![r], outputs[j]);
        }
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

    private void Consume(CancellationToken cancellation)
    {
        var inputOutput = node.Input.Output;
        rows = Buffers(inputOutput);
        rowOps = inputOutput.Select(o => ColumnOps.For(o.Type)).ToArray();
        var keyTypes = node.Plan.Keys.Select(k => new Planner.Physical.OutputColumn("key", k.Expr.Type)).ToArray();
        keys = Buffers(keyTypes);
        var evaluated = keyTypes.Select(t => PgArrowMapping.CreateColumn(t.Type, ExecutionContext.BatchRows)).ToArray();
        var keyOps = node.KeyOps;
        long budget = context.Spill.BudgetBytes;
        ExternalSort? external = null;
        while (input.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            ProjectStream.Run(node.KeyKernel, b, evaluated, context);
            int live = b.LiveRows;
            for (int k = 0; k < live; k++)
            {
                int i = b.Selection is { } s ? s[k] : k;
                for (int j = 0; j < rows.Length; j++) rowOps[j].Append(b.Columns[j], i, rows[j]);
                for (int j = 0; j < keys.Length; j++) keyOps[j].Append(evaluated[j], k, keys[j]);
            }
            total += live;
            if (context.Spill.Limited && ColumnMemory.Bytes(rows) + ColumnMemory.Bytes(keys) + 4L * total > budget)
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

    /// <summary>Row numbers 0..total-1 of the buffered rows in ORDER BY order (ties keep input order).</summary>
    private int[] SortedOrder()
    {
        var sorted = new int[total];
        for (int r = 0; r < total; r++) sorted[r] = r;
        var sortKeys = node.Plan.Keys;
        var keyCols = keys!;
        var keyOps = node.KeyOps;
        Array.Sort(sorted, (a, b) =>
        {
            int c = SortRowComparer.Compare(keyCols, a, keyCols, b, sortKeys, keyOps);
            return c != 0 ? c : a.CompareTo(b);
        });
        return sorted;
    }
}
