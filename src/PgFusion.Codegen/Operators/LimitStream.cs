using PgFusion.Arrow;
using PgFusion.Codegen.Execution;

namespace PgFusion.Codegen.Operators;

/// <summary>Runtime of <see cref="LimitNode"/>: skips, then passes rows by narrowing selection vectors; stops pulling once done.</summary>
internal sealed class LimitStream(LimitNode node, IBatchSource input) : IBatchSource
{
    private long toSkip = node.Offset;
    private long remaining = node.Count ?? long.MaxValue;
    private int[] selection = new int[ExecutionContext.BatchRows];

    public RecordBatch? Next(CancellationToken cancellation)
    {
        while (remaining > 0 && input.Next(cancellation) is { } batch)
        {
            int live = batch.LiveRows;
            if (toSkip >= live)
            {
                toSkip -= live;
                continue;
            }
            int start = (int)toSkip;
            toSkip = 0;
            int take = (int)Math.Min(remaining, live - start);
            remaining -= take;
            if (selection.Length < take) selection = new int[take];
            for (int k = 0; k < take; k++) selection[k] = batch.Selection is { } s ? s[start + k] : start + k;
            return new RecordBatch(batch.Columns, batch.Length) { Selection = selection, SelectedCount = take };
        }
        return null;
    }
}
