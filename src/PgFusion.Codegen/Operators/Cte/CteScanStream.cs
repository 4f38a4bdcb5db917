using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// Runtime of <see cref="CteScanNode"/>: emits the shared buffer's rows from its own position,
/// pulling more from the CTE's plan when it has read them all (<see cref="CteBuffer"/>). After the
/// buffer overflowed it streams: the plan's own stream when this reference pulled last, else a new
/// run of the CTE's plan past the rows it already emitted.
/// </summary>
internal sealed class CteScanStream(CteScanNode node, ExecutionContext context) : IBatchSource
{
    private int emitted;
    private IBatchSource? live;
    private Column[]? outputs;
    private RecordBatch? batch;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        var buffer = node.Source.Buffer(context);
        while (true)
        {
            // after an overflow the buffer no longer grows, so a streaming reference only drains what it had not read
            if (emitted < buffer.Count) return Emit(buffer);
            if (live is not null) return live.Next(cancellation);
            if (buffer.Pull(context, cancellation, out var takenOver))
            {
                live = takenOver; // set when this pull overflowed the buffer: the rows it added, then the plan's stream
                continue;
            }
            if (buffer.Complete) return null;
            // another reference overflowed the buffer: run the CTE's plan again past the rows this one emitted
            live = new SkipRows(node.Source.Open(context), emitted);
        }
    }

    private RecordBatch Emit(CteBuffer buffer)
    {
        var source = node.Source;
        outputs ??= source.Output.Select(o => PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        var (rows, at, held) = buffer.Locate(emitted);
        int n = Math.Min(ExecutionContext.BatchRows, held);
        for (int j = 0; j < outputs.Length; j++) ColumnGather.Gather(rows[j], null, at, n, outputs[j], source.RowOps[j]);
        emitted += n;
        batch.Length = n;
        return batch;
    }

    /// <summary>A stream without its first <paramref name="skip"/> rows.</summary>
    private sealed class SkipRows(IBatchSource input, int skip) : IBatchSource
    {
        private int left = skip;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            while (input.Next(cancellation) is { } b)
            {
                int rows = b.LiveRows;
                if (left == 0) return b;
                if (left >= rows)
                {
                    left -= rows;
                    continue;
                }
                var selection = new int[rows - left];
                for (int k = left; k < rows; k++) selection[k - left] = b.Selection is { } s ? s[k] : k;
                left = 0;
                return new RecordBatch(b.Columns, b.Length) { Selection = selection, SelectedCount = selection.Length };
            }
            return null;
        }
    }
}
