using PgFusion.Arrow;
using PgFusion.Codegen.Execution;

namespace PgFusion.Codegen.Operators;

/// <summary>Runtime of <see cref="FilterNode"/>: the input's columns under a new selection vector (the input batch is not modified).</summary>
internal sealed class FilterStream(FilterNode node, IBatchSource input, ExecutionContext context) : IBatchSource
{
    private int[] selection = new int[ExecutionContext.BatchRows];
    private readonly Kernels.VectorFilter? vector = Kernels.VectorFilter.TryCreate([.. node.Input.Output.Select(o => o.Type)], node.Predicate);

    public RecordBatch? Next(CancellationToken cancellation)
    {
        while (input.Next(cancellation) is { } batch)
        {
            if (selection.Length < batch.LiveRows) selection = new int[batch.LiveRows];
            if (vector is null || !vector.TryRun(batch, selection, out int count))
                count = node.Kernel.Run(batch, selection, context.Kernel);
            if (count == 0) continue;
            return new RecordBatch(batch.Columns, batch.Length) { Selection = selection, SelectedCount = count };
        }
        return null;
    }
}
