using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators;

/// <summary>Runtime of <see cref="FilterNode"/>: the input's columns under a new selection vector (the input batch is not modified).</summary>
internal sealed class FilterStream(FilterNode node, IBatchSource input, ExecutionContext context) : IBatchSource
{
    private int[] selection = new int[ExecutionContext.BatchRows];
    private int[] residualSelection = new int[ExecutionContext.BatchRows];
    private readonly Kernels.VectorFilter? vector = Kernels.VectorFilter.TryCreate([.. node.Input.Output.Select(o => o.Type)], node.Predicate, out _);

    private readonly bool never = node.NeverReadsInput;

    /// <summary>The error of a row whose predicate raised, held while the rows before it go up (<see cref="RowOrder"/>).</summary>
    private PgFusionException? pending;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (never) return null;
        if (pending is { } error)
        {
            pending = null;
            throw error;
        }
        while (input.Next(cancellation) is { } batch)
        {
            if (selection.Length < batch.LiveRows) selection = new int[batch.LiveRows];
            int count;
            try
            {
                count = Run(batch);
            }
            catch (PgFusionException raised) when (batch.LiveRows > 1)
            {
                var before = RowOrder.PrefixBeforeError(batch, b => node.Kernel.Run(b, selection, context.Kernel), raised, out var first, out count);
                if (before is null || count == 0) throw first;
                pending = first;
            }
            if (count == 0) continue;
            return new RecordBatch(batch.Columns, batch.Length) { Selection = selection, SelectedCount = count };
        }
        return null;
    }

    /// <summary>The passing rows of a batch into <see cref="selection"/>: the vector filter and its residual, or the predicate's kernel.</summary>
    private int Run(RecordBatch batch)
    {
        if (vector is null || !vector.TryRun(batch, selection, out int count)) return node.Kernel.Run(batch, selection, context.Kernel);
        if (count > 0 && node.ResidualKernel is { } residual)
        {
            if (residualSelection.Length < count) residualSelection = new int[selection.Length];
            var kept = new RecordBatch(batch.Columns, batch.Length) { Selection = selection, SelectedCount = count };
            count = residual.Run(kept, residualSelection, context.Kernel);
            (selection, residualSelection) = (residualSelection, selection);
        }
        return count;
    }
}
