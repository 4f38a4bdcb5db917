using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// Runtime of <see cref="RecursiveUnionNode"/>. Rows stream out as they come (a LIMIT above stops
/// an endless recursion, as in PostgreSQL); the rows an iteration adds become the next working
/// table. UNION keeps every distinct row seen and drops repeats, so a cycle ends. No iteration
/// limit (PostgreSQL has none): an endless recursion runs until the query is cancelled, which is
/// checked at every batch and every iteration.
/// </summary>
internal sealed class RecursiveUnionStream(RecursiveUnionNode node, ExecutionContext context) : IBatchSource
{
    private IBatchSource? current;
    private Column[] next = Columns(node);
    private int nextCount;
    private readonly RowSet? seen = node.All ? null : new RowSet(node.RowOps, Columns(node));
    private Column[]? outputs;
    private RecordBatch? batch;

    private static Column[] Columns(RecursiveUnionNode node) => node.Output.Select(o =>
    {
        var c = PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    }).ToArray();

    public RecordBatch? Next(CancellationToken cancellation)
    {
        current ??= node.Anchor.Open(context);
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (current.Next(cancellation) is { } b)
            {
                if (Accept(b) is { } accepted) return accepted;
                continue;
            }
            if (nextCount == 0) return null;
            context.Shared[node.WorkTable] = new WorkTableRows(next, nextCount);
            next = Columns(node);
            nextCount = 0;
            current = node.Recursive.Open(context);
        }
    }

    /// <summary>The batch's new rows (all of them for UNION ALL), also kept for the next iteration; null when none is new.</summary>
    private RecordBatch? Accept(RecordBatch b)
    {
        int live = b.LiveRows;
        var ops = node.RowOps;
        if (seen is null)
        {
            for (int k = 0; k < live; k++)
            {
                int i = b.Selection is { } s ? s[k] : k;
                for (int j = 0; j < ops.Length; j++) ops[j].Append(b.Columns[j], i, next[j]);
            }
            nextCount += live;
            return live == 0 ? null : b;
        }
        outputs ??= node.Output.Select(o => PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        foreach (var c in outputs) KernelColumns.Prepare(c, live);
        int added = 0;
        for (int k = 0; k < live; k++)
        {
            int i = b.Selection is { } s ? s[k] : k;
            if (!seen.Add(b.Columns, i)) continue;
            for (int j = 0; j < ops.Length; j++)
            {
                ops[j].Append(b.Columns[j], i, next[j]);
                ops[j].Append(b.Columns[j], i, outputs[j]);
            }
            added++;
        }
        nextCount += added;
        if (added == 0) return null;
        batch.Length = added;
        return batch;
    }
}
