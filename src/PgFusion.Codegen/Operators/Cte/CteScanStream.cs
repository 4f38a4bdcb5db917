using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// Runtime of <see cref="CteScanNode"/>: fills the shared buffer on the first read of any reference,
/// then emits its rows in batches. Past the memory budget it streams instead (<see cref="CteBuffer"/>).
/// </summary>
internal sealed class CteScanStream(CteScanNode node, ExecutionContext context) : IBatchSource
{
    private Column[]? rows;
    private int count;
    private int emitted;
    private IBatchSource? live;
    private Column[]? outputs;
    private RecordBatch? batch;
    private bool started;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (!started) Start(cancellation);
        if (rows is not null && emitted < count) return Emit();
        return live?.Next(cancellation);
    }

    private void Start(CancellationToken cancellation)
    {
        started = true;
        var source = node.Source;
        var buffer = source.Buffer(context);
        if (buffer.Filling) throw new InvalidOperationException($"CTE {source.Cte.Name} reads itself while it is being computed");
        if (!buffer.Complete && !buffer.Overflowed) Fill(buffer, cancellation);
        if (buffer.Complete)
        {
            rows = buffer.Rows;
            count = buffer.Count;
        }
        else if (live is null)
        {
            live = source.Open(context); // overflowed before: this reference computes its own rows
        }
    }

    /// <summary>Reads the CTE's plan into the buffer; past the budget, this reference keeps what it read and streams the rest.</summary>
    private void Fill(CteBuffer buffer, CancellationToken cancellation)
    {
        var source = node.Source;
        var ops = source.RowOps;
        var buffered = source.Output.Select(o =>
        {
            var c = PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows);
            c.EnsureValidity(ExecutionContext.BatchRows);
            return c;
        }).ToArray();
        int total = 0;
        var input = source.Input.Open(context);
        buffer.Filling = true;
        try
        {
            while (input.Next(cancellation) is { } b)
            {
                cancellation.ThrowIfCancellationRequested();
                int liveRows = b.LiveRows;
                for (int k = 0; k < liveRows; k++)
                {
                    int i = b.Selection is { } s ? s[k] : k;
                    for (int j = 0; j < buffered.Length; j++) ops[j].Append(b.Columns[j], i, buffered[j]);
                }
                total += liveRows;
                if (context.Spill.Limited && ColumnMemory.Bytes(buffered) > context.Spill.BudgetBytes)
                {
                    buffer.Overflowed = true;
                    rows = buffered;
                    count = total;
                    live = input;
                    return;
                }
            }
        }
        finally
        {
            buffer.Filling = false;
        }
        buffer.Rows = buffered;
        buffer.Count = total;
        buffer.Complete = true;
    }

    private RecordBatch Emit()
    {
        var source = node.Source;
        outputs ??= source.Output.Select(o => PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        int n = Math.Min(ExecutionContext.BatchRows, count - emitted);
        foreach (var c in outputs) KernelColumns.Prepare(c, n);
        for (int r = emitted; r < emitted + n; r++)
        {
            for (int j = 0; j < outputs.Length; j++) source.RowOps[j].Append(rows![j], r, outputs[j]);
        }
        emitted += n;
        batch.Length = n;
        return batch;
    }
}
