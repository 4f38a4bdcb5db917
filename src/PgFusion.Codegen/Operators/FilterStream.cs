using PgFusion.Arrow;
using PgFusion.Codegen.Execution;

namespace PgFusion.Codegen.Operators;

/// <summary>Runtime of <see cref="FilterNode"/>: the input's columns under a new selection vector (the input batch is not modified).</summary>
internal sealed class FilterStream(FilterNode node, IBatchSource input, ExecutionContext context) : IBatchSource
{
    private int[] selection = new int[ExecutionContext.BatchRows];
    private int[] residualSelection = new int[ExecutionContext.BatchRows];
    private readonly Kernels.VectorFilter? vector = Kernels.VectorFilter.TryCreate([.. node.Input.Output.Select(o => o.Type)], node.Predicate, out _);

    private readonly bool never = FilterNode.IsConstantFalse(node.Predicate);

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (never) return null;
        while (input.Next(cancellation) is { } batch)
        {
            if (selection.Length < batch.LiveRows) selection = new int[batch.LiveRows];
            int count;
            if (vector is not null && vector.TryRun(batch, selection, out count))
            {
                if (count > 0 && node.ResidualKernel is { } residual)
                {
                    if (residualSelection.Length < count) residualSelection = new int[selection.Length];
                    var kept = new RecordBatch(batch.Columns, batch.Length) { Selection = selection, SelectedCount = count };
                    count = residual.Run(kept, residualSelection, context.Kernel);
                    (selection, residualSelection) = (residualSelection, selection);
                }
            }
            else
            {
                count = node.Kernel.Run(batch, selection, context.Kernel);
            }
            if (count == 0) continue;
            return new RecordBatch(batch.Columns, batch.Length) { Selection = selection, SelectedCount = count };
        }
        return null;
    }
}
